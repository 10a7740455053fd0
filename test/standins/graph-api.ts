import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in of the Graph API calls the Messenger channel makes, speaking Meta's shapes:
 * - `POST /<page-id>/messages?access_token=…` — Send API, JSON (`recipient`, `messaging_type`, `tag`,
 *   `message.text`) or multipart (`recipient`, `message` as JSON strings, the file as `filedata`); answers
 *   `{ recipient_id, message_id }`;
 * - `GET /<page-id>?fields=name` — the Page; `GET /<psid>?fields=first_name,last_name,profile_pic` — a profile;
 * - `GET /cdn/<name>` — attachment download URLs (like Meta's lookaside CDN: no token);
 * - errors as Graph answers them: `{ error: { message, type, code, error_subcode, fbtrace_id } }`, scripted with
 *   `failNext`; a wrong token gets code 190.
 */

export interface SentRecord {
  pageId: string;
  recipientId: string;
  messagingType: string;
  tag?: string;
  /** `message.metadata`: Meta returns it in the echo. */
  metadata?: string;
  text?: string;
  attachment?: { type: string; fileName: string; mimeType: string; content: Buffer };
  messageId: string;
  at: Date;
}

export interface GraphErrorScript {
  status?: number;
  code: number;
  subcode?: number;
  message?: string;
  type?: string;
  retryAfterSeconds?: number;
}

export class GraphApiStandIn {
  readonly sent: SentRecord[] = [];
  readonly profileCalls: string[] = [];
  readonly downloads: string[] = [];
  private readonly profiles = new Map<string, { first_name: string; last_name: string; profile_pic?: string }>();
  private readonly files = new Map<string, { content: Buffer; mimeType: string }>();
  private readonly failures: Array<{ after: number; error: GraphErrorScript }> = [];
  private server?: Server;
  private counter = 0;
  baseUrl = '';

  constructor(
    readonly pageId: string,
    public token: string,
    readonly pageName = 'Ponte Demo Page',
  ) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: String(err), type: 'StandInError', code: 1 } }));
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v21.0`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  addProfile(psid: string, profile: { first_name: string; last_name: string; profile_pic?: string }): void {
    this.profiles.set(psid, profile);
  }

  /** Registers a downloadable attachment; returns its URL as a webhook would carry it. */
  addFile(name: string, content: Buffer, mimeType: string): string {
    this.files.set(name, { content, mimeType });
    return `${this.origin()}/cdn/${encodeURIComponent(name)}?_nc_cat=1&oh=abc`;
  }

  /** A coming Send API call answers this error: the next one, or the one after `after` successful calls. */
  failNext(error: GraphErrorScript, after = 0): void {
    this.failures.push({ after, error });
  }

  waitForSent(count: number, timeoutMs = 10_000): Promise<SentRecord[]> {
    const until = Date.now() + timeoutMs;
    return new Promise((resolve, reject) => {
      const tick = () => {
        if (this.sent.length >= count) return resolve(this.sent.slice(0, count));
        if (Date.now() > until) return reject(new Error(`expected ${count} sends, saw ${this.sent.length}`));
        setTimeout(tick, 20);
      };
      tick();
    });
  }

  private origin(): string {
    return this.baseUrl.replace(/\/v21\.0$/, '');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(req);
    if (url.pathname.startsWith('/cdn/')) {
      const name = decodeURIComponent(url.pathname.slice('/cdn/'.length));
      this.downloads.push(name);
      const file = this.files.get(name);
      if (!file) return send(res, 404, 'text/plain', 'URL signature expired');
      return send(res, 200, file.mimeType, file.content);
    }
    const path = url.pathname.replace(/^\/v[\d.]+/, '');
    if (url.searchParams.get('access_token') !== this.token) {
      return graphError(res, {
        status: 400,
        code: 190,
        type: 'OAuthException',
        message: 'Invalid OAuth access token - Cannot parse access token',
      });
    }
    const sendMatch = /^\/([^/]+)\/messages$/.exec(path);
    if (req.method === 'POST' && sendMatch) return this.sendApi(req, res, decodeURIComponent(sendMatch[1]!), body);
    const nodeMatch = /^\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && nodeMatch) {
      const id = decodeURIComponent(nodeMatch[1]!);
      if (id === this.pageId) return json(res, 200, { name: this.pageName, id });
      this.profileCalls.push(id);
      const profile = this.profiles.get(id);
      if (profile) return json(res, 200, { ...profile, id });
      return graphError(res, {
        status: 400,
        code: 100,
        subcode: 33,
        type: 'GraphMethodException',
        message: `Unsupported get request. Object with ID '${id}' does not exist`,
      });
    }
    return graphError(res, {
      status: 400,
      code: 2500,
      type: 'OAuthException',
      message: `Unknown path components: ${path}`,
    });
  }

  private async sendApi(req: IncomingMessage, res: ServerResponse, pageId: string, body: Buffer): Promise<void> {
    const due = this.failures.findIndex((f) => f.after === 0);
    this.failures.forEach((f) => f.after--);
    if (due >= 0) return graphError(res, this.failures.splice(due, 1)[0]!.error);
    if (pageId !== this.pageId && pageId !== 'me') {
      return graphError(res, { status: 400, code: 100, type: 'OAuthException', message: '(#100) Invalid page id' });
    }
    const contentType = req.headers['content-type'] ?? '';
    let record: Omit<SentRecord, 'messageId' | 'at'>;
    if (contentType.startsWith('multipart/form-data')) {
      const form = await new Request('http://x/', {
        method: 'POST',
        headers: { 'content-type': contentType },
        body,
      }).formData();
      const message = JSON.parse(String(form.get('message'))) as { attachment: { type: string }; metadata?: string };
      const file = form.get('filedata');
      if (!(file instanceof File))
        return graphError(res, { status: 400, code: 100, type: 'OAuthException', message: '(#100) No filedata' });
      record = {
        pageId,
        recipientId: (JSON.parse(String(form.get('recipient'))) as { id: string }).id,
        messagingType: String(form.get('messaging_type')),
        ...(form.get('tag') ? { tag: String(form.get('tag')) } : {}),
        ...(message.metadata ? { metadata: message.metadata } : {}),
        attachment: {
          type: message.attachment.type,
          fileName: file.name,
          mimeType: file.type,
          content: Buffer.from(await file.arrayBuffer()),
        },
      };
    } else {
      const parsed = JSON.parse(body.toString('utf8')) as {
        recipient: { id: string };
        messaging_type: string;
        tag?: string;
        message: { text?: string; metadata?: string };
      };
      if (!parsed.message?.text)
        return graphError(res, {
          status: 400,
          code: 100,
          type: 'OAuthException',
          message: '(#100) Message cannot be empty',
        });
      if (parsed.message.text.length > 2000) {
        return graphError(res, {
          status: 400,
          code: 100,
          type: 'OAuthException',
          message: '(#100) Length of param message[text] must be less than or equal to 2000',
        });
      }
      record = {
        pageId,
        recipientId: parsed.recipient.id,
        messagingType: parsed.messaging_type,
        ...(parsed.tag ? { tag: parsed.tag } : {}),
        ...(parsed.message.metadata ? { metadata: parsed.message.metadata } : {}),
        text: parsed.message.text,
      };
    }
    const messageId = `m_standin${++this.counter}${Math.random().toString(36).slice(2, 10)}`;
    this.sent.push({ ...record, messageId, at: new Date() });
    return json(res, 200, { recipient_id: record.recipientId, message_id: messageId });
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': contentType });
  res.end(body);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=UTF-8', JSON.stringify(value));
}

function graphError(res: ServerResponse, e: GraphErrorScript): void {
  res.writeHead(e.status ?? 400, {
    'content-type': 'application/json; charset=UTF-8',
    ...(e.retryAfterSeconds !== undefined ? { 'retry-after': String(e.retryAfterSeconds) } : {}),
  });
  res.end(
    JSON.stringify({
      error: {
        message: e.message ?? `(#${e.code}) error`,
        type: e.type ?? 'OAuthException',
        code: e.code,
        ...(e.subcode !== undefined ? { error_subcode: e.subcode } : {}),
        fbtrace_id: 'AbCdEfGhIjK',
      },
    }),
  );
}
