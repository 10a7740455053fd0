import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EmailAdapter, type EmailAdapterDeps } from '../../../src/channels/email/adapter.js';
import { IMAP_CURSOR_KEY, type ImapCursor } from '../../../src/channels/email/imap-poller.js';
import { MailReader } from '../../../src/channels/email/mail-reader.js';
import { isDovecotInstalled, startDovecot, type DovecotStandin } from '../../standins/dovecot.js';
import { FakeStore, fakeContext, type FakeContextOptions } from './fake-context.js';

/**
 * Reading mail off the hub's event loop (a worker thread), and what a retried or poisonous mail leaves behind:
 * against Debian's Dovecot, as imap-smtp.test.ts.
 */

if (!(await isDovecotInstalled())) throw new Error('dovecot-imapd is not installed: apt-get install -y dovecot-imapd');

const FAST: EmailAdapterDeps = { backoff: { initialMs: 50, maxMs: 400 }, idleDelayMs: 100, timeoutMs: 5_000 };

let dovecot: DovecotStandin;
const adapters: EmailAdapter[] = [];
const readers: MailReader[] = [];
let seq = 0;

function mail(tag: string, body = `Olá, mensagem ${tag}.`, from = `Customer <c.${tag}@customer.example>`): { raw: string; messageId: string } {
  seq += 1;
  const messageId = `<${tag}.${seq}.${Date.now()}@customer.example>`;
  const raw = [`From: ${from}`, 'To: support@ponte.test', `Subject: ${tag}`, `Date: ${new Date().toUTCString()}`, `Message-ID: ${messageId}`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n');
  return { raw, messageId };
}

/** ~12 MB: an 8 MB attachment and 3 MB of HTML, what takes mailparser seconds of synchronous work. */
function bigMail(): { raw: string; messageId: string } {
  seq += 1;
  const messageId = `<big.${seq}.${Date.now()}@customer.example>`;
  const pdf = Buffer.alloc(8 * 1024 * 1024, seq).toString('base64').replace(/.{76}/g, '$&\r\n');
  const html = `<p>${'Olá, segue o relatório em anexo. '.repeat(100_000)}</p>`;
  const raw = [
    'From: Big <big@customer.example>',
    'To: support@ponte.test',
    'Subject: big',
    `Message-ID: ${messageId}`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b"',
    '',
    '--b',
    'Content-Type: text/html; charset=utf-8',
    '',
    html,
    '--b',
    'Content-Type: application/pdf; name="report.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    pdf,
    '--b--',
    '',
  ].join('\r\n');
  return { raw, messageId };
}

function settingsFor(mailbox: string): Record<string, unknown> {
  return {
    imap: { host: '127.0.0.1', port: dovecot.port, secure: false, user: dovecot.user, password: dovecot.password, mailbox },
    smtp: { host: '127.0.0.1', port: 1, secure: false },
    fromAddress: 'support@ponte.test',
    pollIntervalSeconds: 3600,
  };
}

async function startAdapter(store: FakeStore, options: FakeContextOptions, deps: EmailAdapterDeps = FAST, wrap?: (ctx: ReturnType<typeof fakeContext>) => void): Promise<EmailAdapter> {
  const adapter = new EmailAdapter(deps);
  adapters.push(adapter);
  const ctx = fakeContext(store, options);
  wrap?.(ctx);
  await adapter.startSession(ctx);
  return adapter;
}

function cursorOf(store: FakeStore): ImapCursor | undefined {
  const v = store.state.get(IMAP_CURSOR_KEY);
  return v ? (JSON.parse(v) as ImapCursor) : undefined;
}

function rawCopies(store: FakeStore): number {
  return [...store.blobs.values()].filter((b) => b.mimeType === 'message/rfc822').length;
}

const key = (m: { messageId: string }): string => `mail:inbox-1:${m.messageId.slice(1, -1)}`;

describe('email: reading mail off the event loop', () => {
  beforeAll(async () => {
    dovecot = await startDovecot();
  });

  afterEach(async () => {
    await Promise.all(adapters.splice(0).map((a) => a.stop()));
    await Promise.all(readers.splice(0).map((r) => r.close()));
  });

  afterAll(async () => {
    await dovecot?.stop();
  });

  it('a 12 MB mail does not hold the event loop while it is parsed', async () => {
    const mailbox = 'BigMail';
    const big = bigMail();
    const small = mail('after-big');
    await dovecot.append([big.raw, small.raw], mailbox);
    const store = new FakeStore();
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const t0 = Date.now();
    await startAdapter(store, { settings: settingsFor(mailbox) });
    await store.waitFor(() => cursorOf(store)?.lastUid === 2, 60_000, 'both mails');
    delay.disable();
    const maxMs = delay.max / 1e6;
    console.log(`event loop while a ${(big.raw.length / 1e6).toFixed(1)} MB mail was read: max ${maxMs.toFixed(0)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(0)} ms, mean ${(delay.mean / 1e6).toFixed(1)} ms; ${Date.now() - t0} ms in all`);
    const stored = store.events.get(key(big));
    expect(stored?.type === 'message.received' && stored.attachments[0]?.size).toBe(8 * 1024 * 1024);
    expect(stored?.type === 'message.received' && stored.text).toContain('segue o relatório');
    expect(store.events.has(key(small))).toBe(true);
    // Before: 1.2–6 s in one stretch (parsing). Left on the loop: imapflow assembling the literal, copies, hashing.
    expect(maxMs).toBeLessThan(600);
  });

  it('stores the raw copy of a mail once, however often its emit is retried', async () => {
    const mailbox = 'RawOnce';
    const mails = [mail('ro'), mail('ro'), mail('ro')];
    await dovecot.append(mails.map((m) => m.raw), mailbox);
    const store = new FakeStore();
    let failures = 0;
    await startAdapter(store, {
      settings: settingsFor(mailbox),
      beforeEmit: (events) => {
        if (events[0]?.providerKey === key(mails[1]!) && failures < 2) {
          failures += 1;
          throw new Error('database unavailable');
        }
      },
    });
    await store.waitFor(() => cursorOf(store)?.lastUid === 3 && store.events.size === 3, 15_000, 'all 3 after retries');
    expect(failures).toBe(2);
    expect(rawCopies(store)).toBe(3);
    for (const e of store.received()) expect(store.blobs.has(e.rawRef ?? '')).toBe(true);
  });

  it('leaves no raw copy of a mail that becomes no message (our own mail come back, a mail read again)', async () => {
    const mailbox = 'RawNone';
    const own = mail('own', 'our answer, forwarded back to us', 'Ponte Support <support@ponte.test>');
    const customer = mail('cust');
    await dovecot.append([own.raw, customer.raw], mailbox);
    const store = new FakeStore();
    await startAdapter(store, { settings: settingsFor(mailbox) });
    await store.waitFor(() => cursorOf(store)?.lastUid === 2, 15_000, 'both read');
    expect(store.received().map((e) => e.threading.messageId)).toEqual([customer.messageId]);
    expect(rawCopies(store)).toBe(1);

    // The mailbox read again from the start (a lost cursor, a new UIDVALIDITY): duplicates leave nothing behind.
    await Promise.all(adapters.splice(0).map((a) => a.stop()));
    store.state.delete(IMAP_CURSOR_KEY);
    await startAdapter(store, { settings: settingsFor(mailbox) });
    await store.waitFor(() => cursorOf(store)?.lastUid === 2, 15_000, 'read again');
    expect(store.timesEmitted(key(customer))).toBe(2);
    expect(rawCopies(store)).toBe(1);
  });

  it('a database blip while a mail is read is waited out, not taken for an unreadable mail', async () => {
    const mailbox = 'StateBlip';
    const m = mail('blip');
    await dovecot.append([m.raw], mailbox);
    const store = new FakeStore();
    let blips = 0;
    await startAdapter(store, { settings: settingsFor(mailbox) }, FAST, (ctx) => {
      const get = ctx.state.get.bind(ctx.state);
      ctx.state.get = async <T,>(k: string): Promise<T | undefined> => {
        if (k.startsWith('mail.fingerprint:') && blips < 1) {
          blips += 1;
          const err = new Error('connection <monitor> to 127.0.0.1:27017 closed');
          err.name = 'MongoNetworkError';
          throw err;
        }
        return get<T>(k);
      };
    });
    await store.waitFor(() => cursorOf(store)?.lastUid === 1, 15_000, 'the mail');
    expect(blips).toBe(1);
    expect([...store.events.keys()]).toEqual([key(m)]);
  });

  it('a mail that kills the reader is kept aside as unreadable after 3 tries; the mailbox goes on', async () => {
    const mailbox = 'Poison';
    const before = mail('p-before');
    // 5.7 MB of tiny HTML elements: millions of small objects while it is parsed and sanitised.
    const poison = mail('p-poison', `<div><i>x</i></div>`.repeat(300_000));
    poison.raw = poison.raw.replace('Content-Type: text/plain', 'Content-Type: text/html');
    const after = mail('p-after');
    await dovecot.append([before.raw, poison.raw, after.raw], mailbox);
    const store = new FakeStore();
    // A heap too small for the big mail: the worker dies of it (as it would of a crash in a parser), the hub does not.
    const reader = new MailReader({ maxHeapMb: 32 });
    readers.push(reader);
    await startAdapter(store, { settings: settingsFor(mailbox) }, { ...FAST, mailReader: reader });
    await store.waitFor(() => cursorOf(store)?.lastUid === 3, 110_000, 'all 3 mails');
    const [first, kept, third] = store.received();
    expect([first?.threading.messageId, third?.threading.messageId]).toEqual([before.messageId, after.messageId]);
    expect(kept?.providerKey).toMatch(/^mail:inbox-1:sha256:[0-9a-f]{64}$/);
    expect(kept?.text).toContain('stopped on it');
    expect(kept?.automated).toBe(true);
    expect(store.blobs.get(kept?.rawRef ?? '')?.content.length).toBe(poison.raw.length);
    expect(rawCopies(store)).toBe(3);
  }, 120_000);
});
