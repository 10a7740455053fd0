import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in of Twilio's REST API (the 2010-04-01 API the `twilio` library calls): basic auth with
 * the account's SID and auth token, form bodies in, Twilio's JSON resources and error bodies out
 * (`{code, message, more_info, status}`), and the media Twilio serves (MMS media answered with a redirect
 * to a CDN path, recordings as `.mp3`). Records what it was asked to send.
 */

export interface SentSms {
  sid: string;
  to: string;
  from?: string;
  messagingServiceSid?: string;
  body: string;
  statusCallback?: string;
  mediaUrl: string[];
}

export interface PlacedCall {
  sid: string;
  to: string;
  from: string;
  twiml?: string;
  statusCallback?: string;
}

export interface TwilioFailure {
  status: number;
  code: number;
  message: string;
  /** How many requests to fail; default: until cleared. */
  times?: number;
}

export interface TwilioStandin {
  url: string;
  messages: SentSms[];
  calls: PlacedCall[];
  /** Requests for media, by path. */
  mediaRequests: string[];
  /** Fail sends to this number (e.g. 21610 opted out, 21211 invalid, 429 rate limit). */
  failSendsTo(to: string, failure: TwilioFailure): void;
  /** The next send to this number is answered only after `release()`; `arrived` resolves when it came in. */
  holdNextSendTo(to: string): { arrived: Promise<void>; release(): void };
  /** Serve bytes at a Twilio media path (`/2010-04-01/Accounts/AC…/Messages/MM…/Media/ME…`, `…/Recordings/RE….mp3`). */
  addMedia(path: string, content: Buffer, contentType: string): void;
  waitForMessages(count: number, timeoutMs?: number): Promise<SentSms[]>;
  waitForCalls(count: number, timeoutMs?: number): Promise<PlacedCall[]>;
  stop(): Promise<void>;
}

export const sid = (prefix: string) => prefix + randomBytes(16).toString('hex');

const rfc2822 = (d: Date) => d.toUTCString().replace('GMT', '+0000');

export async function startTwilioStandin(account: {
  accountSid: string;
  authToken: string;
  numbers?: string[];
}): Promise<TwilioStandin> {
  const messages: SentSms[] = [];
  const calls: PlacedCall[] = [];
  const mediaRequests: string[] = [];
  const failures = new Map<string, TwilioFailure & { left: number }>();
  const holds = new Map<string, Array<{ arrive: () => void; released: Promise<void> }>>();
  const media = new Map<string, { content: Buffer; contentType: string }>();
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((w) => w());
  const expectedAuth = `Basic ${Buffer.from(`${account.accountSid}:${account.authToken}`).toString('base64')}`;
  const base = `/2010-04-01/Accounts/${account.accountSid}`;

  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const error = (res: http.ServerResponse, status: number, code: number, message: string) =>
    json(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://standin');
      const path = url.pathname;
      if (path.startsWith('/cdn/')) {
        // The signed CDN link Twilio redirects media to: no credentials needed (or sent).
        const item = media.get(path.slice('/cdn'.length));
        if (!item) return error(res, 404, 20404, 'Not found');
        res.writeHead(200, { 'content-type': item.contentType, 'content-length': String(item.content.length) });
        return res.end(item.content);
      }
      if (req.headers.authorization !== expectedAuth) return error(res, 401, 20003, 'Authenticate');
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));

      if (req.method === 'GET' && path === `${base}.json`) {
        return json(res, 200, {
          sid: account.accountSid,
          friendly_name: 'Ponte test',
          status: 'active',
          type: 'Full',
          date_created: rfc2822(new Date()),
        });
      }
      if (req.method === 'GET' && path === `${base}/IncomingPhoneNumbers.json`) {
        const wanted = url.searchParams.get('PhoneNumber');
        const list = (account.numbers ?? [])
          .filter((n) => !wanted || n === wanted)
          .map((n) => ({ sid: sid('PN'), phone_number: n, account_sid: account.accountSid }));
        return json(res, 200, {
          incoming_phone_numbers: list,
          uri: `${path}?PageSize=50&Page=0`,
          first_page_uri: `${path}?PageSize=50&Page=0`,
          next_page_uri: null,
          previous_page_uri: null,
          page: 0,
          page_size: 50,
          start: 0,
          end: list.length,
        });
      }
      if (req.method === 'POST' && path === `${base}/Messages.json`) {
        const to = form.get('To') ?? '';
        const failure = failures.get(to);
        if (failure && failure.left > 0) {
          failure.left--;
          return error(res, failure.status, failure.code, failure.message);
        }
        if (!to) return error(res, 400, 21604, "A 'To' phone number is required.");
        if (!form.get('Body') && !form.getAll('MediaUrl').length)
          return error(res, 400, 21602, 'Message body is required.');
        const from = form.get('From') ?? undefined;
        const messagingServiceSid = form.get('MessagingServiceSid') ?? undefined;
        if (!from && !messagingServiceSid) return error(res, 400, 21603, "A 'From' phone number is required.");
        const held = holds.get(to)?.shift();
        if (held) {
          held.arrive();
          void held.released.then(() => accept());
          return;
        }
        return accept();
      }
      function accept() {
        const to = form.get('To') ?? '';
        const from = form.get('From') ?? undefined;
        const messagingServiceSid = form.get('MessagingServiceSid') ?? undefined;
        const message: SentSms = {
          sid: sid('SM'),
          to,
          ...(from ? { from } : {}),
          ...(messagingServiceSid ? { messagingServiceSid } : {}),
          body: form.get('Body') ?? '',
          ...(form.get('StatusCallback') ? { statusCallback: form.get('StatusCallback')! } : {}),
          mediaUrl: form.getAll('MediaUrl'),
        };
        messages.push(message);
        notify();
        const now = rfc2822(new Date());
        return json(res, 201, {
          sid: message.sid,
          account_sid: account.accountSid,
          messaging_service_sid: messagingServiceSid ?? null,
          to,
          from: from ?? null,
          body: message.body,
          status: messagingServiceSid ? 'accepted' : 'queued',
          num_segments: String(Math.max(1, Math.ceil(message.body.length / 153))),
          num_media: String(message.mediaUrl.length),
          direction: 'outbound-api',
          api_version: '2010-04-01',
          price: null,
          error_code: null,
          error_message: null,
          date_created: now,
          date_updated: now,
          date_sent: null,
          uri: `${base}/Messages/${message.sid}.json`,
          subresource_uris: { media: `${base}/Messages/${message.sid}/Media.json` },
        });
      }
      if (req.method === 'POST' && path === `${base}/Calls.json`) {
        const to = form.get('To') ?? '';
        const failure = failures.get(to);
        if (failure && failure.left > 0) {
          failure.left--;
          return error(res, failure.status, failure.code, failure.message);
        }
        const call: PlacedCall = {
          sid: sid('CA'),
          to,
          from: form.get('From') ?? '',
          ...(form.get('Twiml') ? { twiml: form.get('Twiml')! } : {}),
          ...(form.get('StatusCallback') ? { statusCallback: form.get('StatusCallback')! } : {}),
        };
        calls.push(call);
        notify();
        return json(res, 201, {
          sid: call.sid,
          account_sid: account.accountSid,
          to,
          from: call.from,
          status: 'queued',
          direction: 'outbound-api',
          date_created: rfc2822(new Date()),
        });
      }
      if (req.method === 'GET' && path.startsWith(`${base}/`)) {
        mediaRequests.push(path);
        if (/\/Media\/ME[0-9a-f]{32}$/.test(path)) {
          if (!media.has(path)) return error(res, 404, 20404, 'The requested resource was not found');
          // Twilio answers media with a redirect to a short-lived CDN link.
          res.writeHead(302, { location: `/cdn${path}` });
          return res.end();
        }
        const item = media.get(path);
        if (item) {
          res.writeHead(200, { 'content-type': item.contentType, 'content-length': String(item.content.length) });
          return res.end(item.content);
        }
      }
      return error(res, 404, 20404, 'The requested resource was not found');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;

  const waitFor = <T>(list: T[], count: number, timeoutMs: number): Promise<T[]> =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (list.length < count) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(list.slice());
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`expected ${count}, have ${list.length}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });

  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    calls,
    mediaRequests,
    holdNextSendTo(to) {
      let arrive!: () => void;
      let release!: () => void;
      const arrived = new Promise<void>((r) => (arrive = r));
      const released = new Promise<void>((r) => (release = r));
      holds.set(to, [...(holds.get(to) ?? []), { arrive, released }]);
      return { arrived, release };
    },
    failSendsTo(to, failure) {
      failures.set(to, { ...failure, left: failure.times ?? Number.POSITIVE_INFINITY });
    },
    addMedia(path, content, contentType) {
      media.set(path, { content, contentType });
    },
    waitForMessages: (count, timeoutMs = 15_000) => waitFor(messages, count, timeoutMs),
    waitForCalls: (count, timeoutMs = 15_000) => waitFor(calls, count, timeoutMs),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
