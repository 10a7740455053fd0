import { once } from 'node:events';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback Telegram Bot API (https://core.telegram.org/bots/api) for telegraf pointed at it with
 * `apiRoot`. It speaks the real shapes: `POST /bot<token>/<method>` with a JSON or multipart body, answers
 * `{ok:true,result}` or `{ok:false,error_code,description,parameters?}`, long-polls `getUpdates` with
 * `offset`/`timeout` (updates below the offset are confirmed and forgotten, as Telegram does), refuses
 * `getUpdates` with 409 while a webhook is set, serves files at `/file/bot<token>/<file_path>`.
 * Tests script errors per method (`failNext`) and read what the bot sent (`sent`).
 */

export interface BotIdentity {
  id: number;
  username: string;
  first_name: string;
}

export interface SentMessage {
  method: string;
  chatId: string;
  message_id: number;
  text?: string;
  caption?: string;
  /** The uploaded file of sendPhoto/sendDocument/sendVoice. */
  file?: { fileName: string; content: Buffer };
  replyToMessageId?: number;
  at: Date;
}

export interface ScriptedError {
  error_code: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
  /** Answer with a bare HTTP status and no JSON (a proxy's 502). */
  bareStatus?: boolean;
}

export interface HeldCall {
  arrived: Promise<void>;
  /** The client gave up on the call (closed its connection). */
  abandoned: Promise<void>;
  release(): void;
}

export interface TelegramBotApiStandin {
  apiRoot: string;
  token: string;
  bot: BotIdentity;
  /** Every Bot API call, in order (method and parsed parameters; file contents left out). */
  calls: Array<{ method: string; params: Record<string, unknown>; at: Date }>;
  sent: SentMessage[];
  webhook: { url: string; secret_token?: string; allowed_updates?: string[] } | undefined;
  /** The most `getUpdates` that were ever open at the same time (one poller per bot: 1). */
  maxConcurrentGetUpdates: number;
  /** Queues an update for `getUpdates` (update_id assigned when missing); returns it. */
  pushUpdate(update: Record<string, unknown>): Record<string, unknown>;
  /** How many times `getUpdates` handed out each update_id. */
  deliveries: Map<number, number>;
  /** Updates not yet confirmed by a `getUpdates` offset. */
  pendingUpdates(): Array<Record<string, unknown>>;
  /** A file `getFile` and the file server know; returns its file_id. */
  addFile(content: Buffer, opts?: { filePath?: string; fileId?: string; declaredSize?: number }): string;
  /** The next `times` calls of `method` fail with this error. */
  failNext(method: string, error: ScriptedError, times?: number): void;
  /**
   * The next call of `method` gets no answer until `release()` (then it is served as usual, unless the client
   * gave up meanwhile: a message Telegram never got). `arrived` resolves when that call came in.
   */
  holdNext(method: string): HeldCall;
  waitForSent(count: number, timeoutMs?: number): Promise<SentMessage[]>;
  callsOf(method: string): Array<{ method: string; params: Record<string, unknown>; at: Date }>;
  stop(): Promise<void>;
}

interface StoredFile {
  fileId: string;
  filePath: string;
  content: Buffer;
  declaredSize: number;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** JSON, urlencoded or multipart (telegraf uploads files as multipart/form-data) → params + files. */
async function parseParams(
  req: IncomingMessage,
  url: URL,
): Promise<{ params: Record<string, unknown>; files: Record<string, { fileName: string; content: Buffer }> }> {
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const files: Record<string, { fileName: string; content: Buffer }> = {};
  const body = await readBody(req);
  const type = req.headers['content-type'] ?? '';
  if (!body.length) return { params, files };
  if (type.startsWith('application/json')) {
    Object.assign(params, JSON.parse(body.toString('utf8')) as Record<string, unknown>);
  } else if (type.startsWith('multipart/form-data') || type.startsWith('application/x-www-form-urlencoded')) {
    const form = await new Response(body, { headers: { 'content-type': type } }).formData();
    for (const [key, value] of form.entries()) {
      if (typeof value === 'string') {
        // telegraf JSON-encodes objects inside multipart fields (reply_parameters, reply_markup).
        params[key] = /^[[{]/.test(value) ? JSON.parse(value) : value;
      } else {
        files[key] = { fileName: value.name, content: Buffer.from(await value.arrayBuffer()) };
      }
    }
  }
  return { params, files };
}

export async function startTelegramBotApi(
  opts: { token?: string; username?: string; port?: number } = {},
): Promise<TelegramBotApiStandin> {
  const token = opts.token ?? '7012345678:AAHk3mZ0b1Xq-8sJ0dQe4r2Lm9TtYvWuV1o';
  const bot: BotIdentity = {
    id: Number(token.split(':')[0]),
    username: opts.username ?? 'ponte_support_bot',
    first_name: 'Ponte Support',
  };
  const calls: TelegramBotApiStandin['calls'] = [];
  const sent: SentMessage[] = [];
  const queue: Array<Record<string, unknown>> = [];
  const files = new Map<string, StoredFile>();
  const failures = new Map<string, Array<ScriptedError>>();
  const holds = new Map<string, Array<{ arrive: () => void; abandon: () => void; released: Promise<void> }>>();
  const waiters = new Set<() => void>();
  const nextMessageId = new Map<string, number>();
  const deliveries = new Map<number, number>();
  let nextUpdateId = 500_000_001;
  let openGetUpdates = 0;
  let fileSeq = 0;

  const state = {
    webhook: undefined as TelegramBotApiStandin['webhook'],
    maxConcurrentGetUpdates: 0,
  };

  const wake = () => {
    for (const w of [...waiters]) w();
  };

  const reply = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const ok = (res: ServerResponse, result: unknown) => reply(res, 200, { ok: true, result });
  const fail = (res: ServerResponse, e: ScriptedError) => {
    if (e.bareStatus) {
      res.writeHead(e.error_code, { 'content-type': 'text/html' });
      res.end(`<html><body>${e.error_code}</body></html>`);
      return;
    }
    reply(res, e.error_code, {
      ok: false,
      error_code: e.error_code,
      description: e.description,
      ...(e.parameters ? { parameters: e.parameters } : {}),
    });
  };

  const messageFor = (chatId: string, extra: Record<string, unknown>) => {
    const id = (nextMessageId.get(chatId) ?? 100) + 1;
    nextMessageId.set(chatId, id);
    return {
      message_id: id,
      from: { id: bot.id, is_bot: true, first_name: bot.first_name, username: bot.username },
      chat: { id: Number(chatId), type: Number(chatId) < 0 ? 'group' : 'private' },
      date: Math.floor(Date.now() / 1000),
      ...extra,
    };
  };

  async function getUpdates(params: Record<string, unknown>, res: ServerResponse): Promise<void> {
    if (state.webhook) {
      return fail(res, {
        error_code: 409,
        description:
          "Conflict: can't use getUpdates method while webhook is active; " +
            'use deleteWebhook to delete the webhook first',
      });
    }
    const offset = params.offset !== undefined ? Number(params.offset) : undefined;
    const timeoutS = Number(params.timeout ?? 0);
    const limit = Math.min(100, Number(params.limit ?? 100));
    // An offset confirms every update below it: Telegram forgets them.
    if (offset !== undefined) while (queue.length && Number(queue[0]!.update_id) < offset) queue.shift();
    const available = () => queue.filter((u) => offset === undefined || Number(u.update_id) >= offset).slice(0, limit);
    openGetUpdates++;
    state.maxConcurrentGetUpdates = Math.max(state.maxConcurrentGetUpdates, openGetUpdates);
    try {
      if (!available().length && timeoutS > 0) {
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            waiters.delete(done);
            res.off('close', done);
            resolve();
          };
          const timer = setTimeout(done, timeoutS * 1000);
          waiters.add(done);
          res.on('close', done); // the poller aborted
        });
      }
    } finally {
      openGetUpdates--;
    }
    if (res.destroyed) return;
    const batch = available();
    for (const u of batch) deliveries.set(Number(u.update_id), (deliveries.get(Number(u.update_id)) ?? 0) + 1);
    ok(res, batch);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const fileMatch = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (fileMatch) {
      const file =
        fileMatch[1] === token
          ? [...files.values()].find((f) => f.filePath === decodeURIComponent(fileMatch[2]!))
          : undefined;
      if (!file) return fail(res, { error_code: 404, description: 'Not Found' });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(file.content.length) });
      res.end(file.content);
      return;
    }
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!m) return fail(res, { error_code: 404, description: 'Not Found' });
    if (m[1] !== token) return fail(res, { error_code: 401, description: 'Unauthorized' });
    const method = m[2]!;
    const { params, files: uploads } = await parseParams(req, url);
    calls.push({ method, params, at: new Date() });
    const scripted = failures.get(method)?.shift();
    if (scripted) return fail(res, scripted);
    const held = holds.get(method)?.shift();
    if (held) {
      let gone = false;
      res.on('close', () => {
        gone = !res.writableEnded;
        if (gone) held.abandon();
      });
      held.arrive();
      await held.released;
      if (gone) return;
    }

    const chatId = params.chat_id !== undefined ? String(params.chat_id) : '';
    const replyTo =
      (params.reply_parameters as { message_id?: number } | undefined)?.message_id ??
      (params.reply_to_message_id !== undefined ? Number(params.reply_to_message_id) : undefined);
    switch (method) {
      case 'getMe':
        return ok(res, {
          id: bot.id,
          is_bot: true,
          first_name: bot.first_name,
          username: bot.username,
          can_join_groups: true,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
        });
      case 'setWebhook': {
        if (typeof params.url !== 'string' || !params.url)
          return fail(res, {
            error_code: 400,
            description: 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook',
          });
        const allowed = Array.isArray(params.allowed_updates) ? (params.allowed_updates as string[]) : undefined;
        state.webhook = {
          url: params.url,
          ...(typeof params.secret_token === 'string' ? { secret_token: params.secret_token } : {}),
          ...(allowed ? { allowed_updates: allowed } : {}),
        };
        wake();
        return ok(res, true);
      }
      case 'deleteWebhook':
        state.webhook = undefined;
        if (params.drop_pending_updates === true || params.drop_pending_updates === 'true') queue.length = 0;
        return ok(res, true);
      case 'getWebhookInfo':
        return ok(res, {
          url: state.webhook?.url ?? '',
          has_custom_certificate: false,
          pending_update_count: queue.length,
          ...(state.webhook?.allowed_updates ? { allowed_updates: state.webhook.allowed_updates } : {}),
        });
      case 'getUpdates':
        return getUpdates(params, res);
      case 'sendMessage': {
        if (typeof params.text !== 'string' || !params.text)
          return fail(res, { error_code: 400, description: 'Bad Request: message text is empty' });
        const msg = messageFor(chatId, { text: params.text });
        sent.push({
          method,
          chatId,
          message_id: msg.message_id,
          text: params.text,
          ...(replyTo ? { replyToMessageId: replyTo } : {}),
          at: new Date(),
        });
        wake();
        return ok(res, msg);
      }
      case 'sendPhoto':
      case 'sendDocument':
      case 'sendVoice': {
        const field = method === 'sendPhoto' ? 'photo' : method === 'sendDocument' ? 'document' : 'voice';
        const upload = uploads[field];
        if (!upload)
          return fail(res, { error_code: 400, description: `Bad Request: there is no ${field} in the request` });
        const caption = typeof params.caption === 'string' ? params.caption : undefined;
        const fileId = `AgAC${field}${++fileSeq}`;
        const media =
          field === 'photo'
            ? {
                photo: [
                  {
                    file_id: fileId,
                    file_unique_id: `u${fileSeq}`,
                    width: 800,
                    height: 600,
                    file_size: upload.content.length,
                  },
                ],
              }
            : {
                [field]: {
                  file_id: fileId,
                  file_unique_id: `u${fileSeq}`,
                  file_size: upload.content.length,
                  ...(field === 'document' ? { file_name: upload.fileName } : {}),
                },
              };
        const msg = messageFor(chatId, { ...media, ...(caption ? { caption } : {}) });
        sent.push({
          method,
          chatId,
          message_id: msg.message_id,
          ...(caption ? { caption } : {}),
          file: upload,
          ...(replyTo ? { replyToMessageId: replyTo } : {}),
          at: new Date(),
        });
        wake();
        return ok(res, msg);
      }
      case 'getFile': {
        const file = files.get(String(params.file_id));
        if (!file) return fail(res, { error_code: 400, description: 'Bad Request: invalid file_id' });
        if (file.declaredSize > 20 * 1024 * 1024)
          return fail(res, { error_code: 400, description: 'Bad Request: file is too big' });
        return ok(res, {
          file_id: file.fileId,
          file_unique_id: `u-${file.fileId}`,
          file_size: file.declaredSize,
          file_path: file.filePath,
        });
      }
      default:
        return fail(res, { error_code: 404, description: 'Not Found: method not found' });
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        reply(res, 500, {
          ok: false,
          error_code: 500,
          description: `Internal Server Error: ${(err as Error).message}`,
        });
    });
  });
  server.listen(opts.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const apiRoot = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    apiRoot,
    token,
    bot,
    calls,
    sent,
    get webhook() {
      return state.webhook;
    },
    get maxConcurrentGetUpdates() {
      return state.maxConcurrentGetUpdates;
    },
    pushUpdate(update) {
      const full = { ...update, update_id: update.update_id ?? nextUpdateId++ };
      nextUpdateId = Math.max(nextUpdateId, Number(full.update_id) + 1);
      queue.push(full);
      queue.sort((a, b) => Number(a.update_id) - Number(b.update_id));
      wake();
      return full;
    },
    deliveries,
    pendingUpdates: () => [...queue],
    addFile(content, o = {}) {
      fileSeq++;
      const fileId = o.fileId ?? `AgACAgEAAxkBAAI${fileSeq}x${content.length}`;
      files.set(fileId, {
        fileId,
        filePath: o.filePath ?? `photos/file_${fileSeq}.jpg`,
        content,
        declaredSize: o.declaredSize ?? content.length,
      });
      return fileId;
    },
    holdNext(method) {
      let arrive!: () => void;
      let abandon!: () => void;
      let release!: () => void;
      const arrived = new Promise<void>((r) => (arrive = r));
      const abandoned = new Promise<void>((r) => (abandon = r));
      const released = new Promise<void>((r) => (release = r));
      const list = holds.get(method) ?? [];
      list.push({ arrive, abandon, released });
      holds.set(method, list);
      return { arrived, abandoned, release };
    },
    failNext(method, error, times = 1) {
      const list = failures.get(method) ?? [];
      for (let i = 0; i < times; i++) list.push(error);
      failures.set(method, list);
    },
    async waitForSent(count, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      while (sent.length < count) {
        if (Date.now() > until) throw new Error(`expected ${count} sent messages, saw ${sent.length}`);
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            waiters.delete(done);
            resolve();
          };
          const timer = setTimeout(done, 100);
          waiters.add(done);
        });
      }
      return sent.slice(0, count);
    },
    callsOf: (method) => calls.filter((c) => c.method === method),
    async stop() {
      wake();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
