import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import express, { type ErrorRequestHandler, type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { MAX_ATTACHMENTS_PER_MESSAGE, tooLarge } from '../../core/attachments/attachment-limits.js';
import { attachmentHeaders } from '../../core/attachments/attachment-headers.js';
import { AppError, NotFoundError, RateLimitedError, ValidationError } from '../../core/errors/app-error.js';
import type { PublicInbox } from '../../core/inboxes/inbox-service.js';
import { webchatClientDir } from './client-files.js';
import { readCookie, VISITOR_COOKIE } from './visitor-cookie.js';
import { NewConversationLimit, type NewConversationLimits } from './new-conversation-limit.js';
import { VisitorLimit } from './visitor-limit.js';
import { toInboundEvent, VisitorMessageSchema } from './mapper.js';
import { readBoundedBody } from './bounded-body.js';
import { readVisitorUpload } from './visitor-upload.js';
import {
  AttachmentParamsSchema,
  InboxQuerySchema,
  VisitorCsatSchema,
  type ChatCsatResultSchema,
  type ChatMessageAcceptedSchema,
  type ChatSessionSchema,
  type ChatUploadAcceptedSchema,
  UPLOAD_HEADER,
} from './chat-api.js';
import type { WebchatChannel, WebchatCore } from './webchat-channel.js';
import { widgetScript } from './widget-script.js';
import { WEBCHAT_DEFAULT_GREETING, WEBCHAT_DEFAULT_TITLE } from './settings-form.js';

export interface WebchatRouterOptions {
  core: WebchatCore;
  channel: WebchatChannel;
  logger: Logger;
  /** Built chat page (default: dist/webchat). */
  clientDir?: string;
  /** Per visitor: at most this many messages per 10 s. */
  maxMessagesPer10s?: number;
  /** Per returning visitor: at most this many page loads (history reads) per minute. */
  maxSessionsPerMinute?: number;
  /** Per visitor: at most this many file downloads per minute. */
  maxDownloadsPerMinute?: number;
  /** New conversations per client address and in total (default: the WEBCHAT_NEW_* configuration). */
  newConversations?: NewConversationLimits;
  /** Uploads handled at the same time by this process (each holds up to MAX_MESSAGE_ATTACHMENTS_BYTES, several times, in memory). */
  maxConcurrentUploads?: number;
}

/** What a log line says of a request refused for the caller's fault (null: a server fault, logged by the error handler). */
function refusalOf(err: unknown): { code: string; reason: string; fields?: string[] } | null {
  if (err instanceof AppError) {
    if (!err.callerFault) return null;
    const fields = err instanceof ValidationError ? err.issues.map((i) => i.path) : [];
    return { code: err.code, reason: err.message, ...(fields.length ? { fields } : {}) };
  }
  // express' body parser: malformed JSON, a body too large, an unsupported charset or encoding.
  const parser = err as { type?: unknown; status?: unknown; message?: unknown } | null;
  if (parser && typeof parser.type === 'string' && typeof parser.status === 'number' && parser.status < 500)
    return { code: parser.type, reason: String(parser.message) };
  return null;
}

/** Room for the form fields and part headers around the files. */
const FORM_OVERHEAD_BYTES = 128 * 1024;

/**
 * The inbox's own title and greeting; null where the admin left the default (or no title): the chat page
 * then shows its own in the visitor's language (EN/PT/ES). An emptied greeting stays empty (none shown).
 */
function chatTexts(settings: Record<string, unknown>): { title: string | null; greeting: string | null } {
  const title = typeof settings.title === 'string' ? settings.title.trim() : '';
  const greeting = typeof settings.greeting === 'string' ? settings.greeting.trim() : undefined;
  return {
    title: title && title !== WEBCHAT_DEFAULT_TITLE ? title : null,
    greeting: greeting === undefined || greeting === WEBCHAT_DEFAULT_GREETING ? null : greeting,
  };
}


/** Our pages must be embeddable on the customer's site; the rest of the app keeps frame-ancestors 'none'. */
const CHAT_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; " +
  "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors *";

/**
 * Public routes of the website chat, mounted at `/chat`:
 *   GET  /chat                 the customer page (`?inbox=<id>`, `?embed=1` inside the widget)
 *   GET  /chat/widget.js       embeddable widget script
 *   GET  /chat/api/session     sets the visitor cookie; inbox, ticket number and history
 *   POST /chat/api/messages    a visitor message → core.ingest.accept (idempotent by clientMessageId)
 *   POST /chat/api/attachments a visitor message with files (multipart: `file` parts, clientMessageId, text…)
 *   POST /chat/api/csat        the visitor's rating (1–5 + comment) of its solved ticket
 *   GET  /chat/api/attachments/:messageId/:index   a file of a message of this visitor's conversation
 * The `/chat/api/*` operations are described in chat-api.ts (listed in `/api/openapi.json`).
 */
export function createWebchatRouter({
  core,
  channel,
  logger,
  clientDir = webchatClientDir(),
  maxMessagesPer10s = 20,
  maxSessionsPerMinute = 30,
  maxDownloadsPerMinute = 60,
  newConversations = {
    perAddress: core.config.webchat.newPerAddress,
    perAddressWindowMs: core.config.webchat.newPerAddressWindowMs,
    perMinute: core.config.webchat.newPerMinute,
  },
  maxConcurrentUploads = 4,
}: WebchatRouterOptions): Router {
  const log = logger.child({ module: 'webchat' });
  const router = express.Router();
  const json = express.json({ limit: '64kb', type: ['application/json'], strict: true });
  const secure = core.config.auth.cookieSecure;
  const messageLimit = new VisitorLimit(maxMessagesPer10s, 10_000);
  // A returning visitor's page load reads the conversation's messages, which the embedded database
  // answers by reading every message: a script reloading in a loop must not be able to keep it busy.
  const sessionLimit = new VisitorLimit(maxSessionsPerMinute, 60_000);
  // A download reads the message and streams the whole file from the blob store: a script fetching one
  // in a loop must not be able to keep the database and the uplink busy (the page only links to files).
  const downloadLimit = new VisitorLimit(maxDownloadsPerMinute, 60_000);
  let uploadsInFlight = 0;
  const newConversationLimit = new NewConversationLimit(newConversations, (inboxId, visitorId) => channel.conversations.exists(inboxId, visitorId));

  // One refresh at a time, the previous list served meanwhile: at 200 messages/s every request arriving
  // while an expired list was being read started its own full read of every inbox (lease and secrets
  // included) — 0.3 ms of hub CPU per message in bench:realtime.
  let inboxCache: { at: number; list: PublicInbox[] } | undefined;
  let refreshing: Promise<PublicInbox[]> | undefined;
  const refreshInboxes = () =>
    (refreshing ??= core.inboxes
      .list()
      .then((all) => {
        const list = all.filter((i) => i.kind === 'webchat' && i.enabled);
        inboxCache = { at: Date.now(), list };
        return list;
      })
      .finally(() => (refreshing = undefined)));
  // A change made in this process (title, greeting, disabled) is served at once; other processes' within ~5 s.
  channel.closeWith(
    core.bus.subscribe((e) => {
      if (e.type === 'inbox.changed') inboxCache = undefined;
    }),
  );
  async function inboxFor(id: string | undefined): Promise<PublicInbox> {
    const age = inboxCache ? Date.now() - inboxCache.at : Infinity;
    let list = inboxCache?.list;
    if (age > 30_000) list = await refreshInboxes();
    else if (age > 5_000) void refreshInboxes().catch((err: unknown) => log.warn({ err }, 'web chat inboxes: refresh failed'));
    const inbox = id ? list!.find((i) => i.id === id) : list![0];
    if (!inbox) throw new NotFoundError('Chat');
    return inbox;
  }

  function visitorOf(req: Request, res: Response, create: boolean): string | undefined {
    const existing = channel.visitors.verify(readCookie(req.headers.cookie, VISITOR_COOKIE));
    if (existing || !create) return existing;
    const { id, cookie } = channel.visitors.issue();
    // Third-party iframes (the widget) only get the cookie with SameSite=None, which requires https.
    res.cookie(VISITOR_COOKIE, cookie, {
      httpOnly: true,
      secure,
      sameSite: secure ? 'none' : 'lax',
      ...(secure ? { partitioned: true } : {}),
      path: '/', // the /visitor socket handshake (at /socket.io) must carry it too
      maxAge: 365 * 86_400_000,
    });
    return id;
  }

  const wrap = (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).catch(next);
  };

  const parse = <S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> => {
    const r = schema.safeParse(value);
    if (!r.success) throw new ValidationError(`Invalid ${where}`, r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
    return r.data;
  };

  router.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', CHAT_CSP);
    res.removeHeader('X-Frame-Options');
    next();
  });

  router.get('/widget.js', (_req, res) => {
    res.setHeader('Content-Type', 'application/javascript; charset=utf-8');
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.send(widgetScript(core.config.publicUrl));
  });

  router.get(
    '/api/session',
    wrap(async (req, res) => {
      const { inbox: inboxId } = parse(InboxQuerySchema, req.query, 'query');
      const inbox = await inboxFor(inboxId);
      const returning = visitorOf(req, res, false);
      if (returning) sessionLimit.take(returning);
      const visitorId = returning ?? visitorOf(req, res, true)!;
      // A visitor id made up just now has no conversation: a script loading the page in a loop without the
      // cookie (not limited: every load is a new visitor) costs no database read.
      const history = returning ? await channel.conversations.history(inbox.id, visitorId) : { ticket: null, messages: [] };
      res.setHeader('Cache-Control', 'no-store');
      const session: z.input<typeof ChatSessionSchema> = {
        inbox: { id: inbox.id, name: inbox.name, ...chatTexts(inbox.settings) },
        ticket: history.ticket,
        messages: history.messages,
        csat: returning ? await core.csat.pendingFor(inbox.id, visitorId) : null,
        // The page refuses a file over these before uploading it; the upload route enforces them.
        limits: { maxFileBytes: core.config.limits.maxAttachmentBytes, maxMessageBytes: core.config.limits.maxMessageAttachmentsBytes, maxFiles: MAX_ATTACHMENTS_PER_MESSAGE },
      };
      res.json(session);
    }),
  );

  router.post(
    '/api/messages',
    wrap(async (req, res) => {
      // JSON only: a cross-site form cannot send it without a CORS preflight, which we never grant.
      if (!req.is('application/json')) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send JSON');
      await new Promise<void>((resolve, reject) => json(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
      const body = parse(VisitorMessageSchema, req.body, 'body');
      const visitorId = visitorOf(req, res, false);
      if (!visitorId) throw new AppError('UNAUTHENTICATED', 'Open the chat page first');
      messageLimit.take(visitorId);
      const inbox = await inboxFor(body.inboxId);
      // A visitor's first message creates the contact and the ticket: bounded per address and in total.
      await newConversationLimit.admit(inbox.id, visitorId, req.ip ?? req.socket.remoteAddress ?? 'unknown');
      const result = await core.ingest.accept([toInboundEvent(inbox.id, visitorId, body, new Date())]);
      res.setHeader('Cache-Control', 'no-store');
      const accepted: z.input<typeof ChatMessageAcceptedSchema> = { status: result.results[0]!.status, clientMessageId: body.clientMessageId };
      res.status(202).json(accepted);
    }),
  );

  router.post(
    '/api/attachments',
    wrap(async (req, res) => {
      // Everything that needs no body first: an upload refused by these is never read into memory.
      if (req.get(UPLOAD_HEADER) !== 'upload') throw new AppError('CSRF_ORIGIN_MISMATCH', `Uploads carry the ${UPLOAD_HEADER}: upload header`);
      if (!req.is('multipart/form-data')) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send multipart/form-data');
      const { inbox: inboxId } = parse(InboxQuerySchema, req.query, 'query');
      const visitorId = visitorOf(req, res, false);
      if (!visitorId) throw new AppError('UNAUTHENTICATED', 'Open the chat page first');
      messageLimit.take(visitorId);
      const inbox = await inboxFor(inboxId);
      // Each upload holds its bytes (several copies) until the event is stored: a few at a time per process.
      if (uploadsInFlight >= maxConcurrentUploads) throw new RateLimitedError(2);
      uploadsInFlight += 1;
      try {
        const { limits } = core.config;
        const body = await readBoundedBody(req, res, limits.maxMessageAttachmentsBytes + FORM_OVERHEAD_BYTES, () =>
          tooLarge(`Attachments exceed ${limits.maxMessageAttachmentsBytes} bytes in total`, limits),
        );
        const upload = await readVisitorUpload(body, req.get('content-type')!, limits);
        // A first message creates the contact and the ticket: counted once the upload is known to be acceptable.
        await newConversationLimit.admit(inbox.id, visitorId, req.ip ?? req.socket.remoteAddress ?? 'unknown');
        const result = await core.ingest.accept([toInboundEvent(inbox.id, visitorId, upload.fields, new Date(), upload.attachments)]);
        res.setHeader('Cache-Control', 'no-store');
        const accepted: z.input<typeof ChatUploadAcceptedSchema> = {
          status: result.results[0]!.status,
          clientMessageId: upload.fields.clientMessageId,
          attachments: upload.attachments.map((a) => ({ fileName: a.fileName, mimeType: a.mimeType, size: a.size })),
        };
        res.status(202).json(accepted);
      } finally {
        uploadsInFlight -= 1;
      }
    }),
  );

  router.post(
    '/api/csat',
    wrap(async (req, res) => {
      // JSON only, like messages: a cross-site form cannot send it.
      if (!req.is('application/json')) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send JSON');
      await new Promise<void>((resolve, reject) => json(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
      const body = parse(VisitorCsatSchema, req.body, 'body');
      const visitorId = visitorOf(req, res, false);
      if (!visitorId) throw new AppError('UNAUTHENTICATED', 'Open the chat page first');
      messageLimit.take(visitorId);
      const inbox = await inboxFor(body.inboxId);
      res.setHeader('Cache-Control', 'no-store');
      const rated: z.input<typeof ChatCsatResultSchema> = await core.csat.rateConversation(inbox.id, visitorId, { rating: body.rating, comment: body.comment ?? null });
      res.json(rated);
    }),
  );

  router.get(
    '/api/attachments/:messageId/:index',
    wrap(async (req, res) => {
      const { messageId, index } = parse(AttachmentParamsSchema, req.params, 'path');
      const { inbox: inboxId } = parse(InboxQuerySchema, req.query, 'query');
      const visitorId = visitorOf(req, res, false);
      if (visitorId) downloadLimit.take(visitorId);
      const inbox = await inboxFor(inboxId);
      const att = visitorId ? await channel.conversations.attachment(inbox.id, visitorId, messageId, index) : null;
      if (!att) throw new NotFoundError('Attachment');
      // The same headers as the console's downloads: only a few image types inline, everything else a download.
      const { size } = await core.blobs.stat(att.blobId);
      for (const [name, value] of Object.entries(attachmentHeaders(att, size))) res.setHeader(name, value);
      await pipeline(core.blobs.stream(att.blobId), res);
    }),
  );

  // A refused visitor request leaves a line of its own (route, code, why, fields, which visitor): the access
  // log has the status alone. The answer itself is still the app's error handler's.
  router.use(((err, req, _res, next) => {
    const refusal = refusalOf(err);
    if (refusal) {
      const visitorId = channel.visitors.verify(readCookie(req.headers.cookie, VISITOR_COOKIE));
      log.info({ method: req.method, path: req.originalUrl.split('?')[0], visitorId, ...refusal }, 'web chat request refused');
    }
    next(err);
  }) as ErrorRequestHandler);

  // The built page: /chat and /chat/assets/*.
  router.use('/assets', express.static(path.join(clientDir, 'assets'), { fallthrough: false, immutable: true, maxAge: '30d' }));
  let page: string | undefined;
  router.get('/', (_req, res) => {
    const file = path.join(clientDir, 'index.html');
    if (!page || !existsSync(file)) {
      if (!existsSync(file)) {
        log.error({ file }, 'web chat page is not built; run `npm run build`');
        res.status(503).type('text/plain').send('The chat page is not built. Run `npm run build`.');
        return;
      }
      page = readFileSync(file, 'utf8');
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(page);
  });

  return router;
}
