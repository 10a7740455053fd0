import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createLogger } from '../../../src/core/logging/logger.js';
import type { ChannelRegistry } from '../../../src/core/domain/channel-adapter.js';
import { createWebApp, type WebAppOptions } from '../../../src/web/create-web-app.js';
import { startTestCore, type TestCore } from '../../support/test-core.js';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  body: T;
}

export interface RequestOptions {
  body?: unknown;
  /** Raw body (sent as is, with the given content type). */
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** `false` sends no Origin; a string sends that Origin. Default: our own origin for non-GET requests. */
  origin?: string | false;
}

/** A tiny HTTP client; `cookie` plays the browser's cookie jar for one session. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    public cookie?: string,
  ) {}

  async request<T = any>(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (this.cookie) headers.cookie = this.cookie;
    const origin = opts.origin ?? (['GET', 'HEAD'].includes(method) ? false : this.baseUrl);
    if (origin) headers.origin = origin;
    let payload: string | undefined;
    if (opts.raw !== undefined) {
      payload = opts.raw;
      headers['content-type'] = opts.contentType ?? 'application/json';
    } else if (opts.body !== undefined) {
      payload = JSON.stringify(opts.body);
      headers['content-type'] = opts.contentType ?? 'application/json';
    }
    const res = await fetch(this.baseUrl + path, { method, headers, body: payload, redirect: 'manual' });
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.status, headers: res.headers, text, body: body as T };
  }

  get = <T = any>(path: string, opts?: RequestOptions) => this.request<T>('GET', path, opts);
  post = <T = any>(path: string, body?: unknown, opts?: RequestOptions) => this.request<T>('POST', path, { ...opts, body });
  patch = <T = any>(path: string, body?: unknown, opts?: RequestOptions) => this.request<T>('PATCH', path, { ...opts, body });
  put = <T = any>(path: string, body?: unknown, opts?: RequestOptions) => this.request<T>('PUT', path, { ...opts, body });
  delete = <T = any>(path: string, opts?: RequestOptions) => this.request<T>('DELETE', path, opts);
}

export interface WebHarness {
  t: TestCore;
  baseUrl: string;
  /** A client without a session. */
  anon: ApiClient;
  /** Logs in through the API and returns a client holding the session cookie. */
  login(user: { email: string; password: string }): Promise<ApiClient>;
  stop(): Promise<void>;
}

export interface WebHarnessOptions {
  /** Channel webhooks to serve at `/webhooks/<kind>/<inboxId>`. */
  webhooks?: WebAppOptions['webhooks'];
  channelKinds?: WebAppOptions['channelKinds'];
  /** The registry the core delivers through (default: the test core's MapRegistry). */
  channels?: ChannelRegistry;
}

/** A test core on its own FerretDB plus the web app listening on 127.0.0.1:<random>. */
export async function startWebHarness(env: Record<string, string> = {}, opts: WebHarnessOptions = {}): Promise<WebHarness> {
  const t = await startTestCore(env, undefined, opts.channels);
  const app = createWebApp({
    core: t.core,
    logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    databaseKind: 'ferretdb',
    ...(opts.webhooks ? { webhooks: opts.webhooks } : {}),
    ...(opts.channelKinds ? { channelKinds: opts.channelKinds } : {}),
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const anon = new ApiClient(baseUrl);
  return {
    t,
    baseUrl,
    anon,
    async login(user) {
      const res = await anon.post('/api/auth/login', { email: user.email, password: user.password });
      if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
      const setCookie = res.headers.get('set-cookie') ?? '';
      return new ApiClient(baseUrl, setCookie.split(';')[0]);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await t.stop();
    },
  };
}

/** Polls until `check` returns a value (not undefined) or the time runs out. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
