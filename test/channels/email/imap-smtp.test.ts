import net from 'node:net';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EmailAdapter, type EmailAdapterDeps } from '../../../src/channels/email/adapter.js';
import { IMAP_CURSOR_KEY, type ImapCursor } from '../../../src/channels/email/imap-poller.js';
import type { EmailOutboundMessage } from '../../../src/channels/email/smtp-sender.js';
import { testImapConnection, testSmtpConnection } from '../../../src/channels/email/test-connection.js';
import { AppError, ChannelError } from '../../../src/core/errors/app-error.js';
import { isDovecotInstalled, startDovecot, type DovecotStandin } from '../../standins/dovecot.js';
import { startSmtpCapture, type SmtpCapture } from '../../standins/smtp-capture.js';
import { FakeStore, fakeContext, type FakeContextOptions } from './fake-context.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

/**
 * The email channel against real peers on loopback: Debian's Dovecot (IMAP) and
 * nodemailer's smtp-server (SMTP capture). Needs `dovecot-imapd` installed and root
 * (Dovecot is started with a throw-away config in a temp dir).
 */

const haveDovecot = await isDovecotInstalled();
// npm test installs it first (scripts/test-prerequisites.mjs); a missing peer is a failure, never a skip.
if (!haveDovecot) throw new Error('dovecot-imapd is not installed: apt-get install -y dovecot-imapd');

const FAST: EmailAdapterDeps = { backoff: { initialMs: 50, maxMs: 400 }, idleDelayMs: 100, timeoutMs: 5_000 };

let dovecot: DovecotStandin;
let smtp: SmtpCapture;
let smtpAuth: SmtpCapture;
const adapters: EmailAdapter[] = [];
const proxies: TcpProxy[] = [];

let seq = 0;
function customerMail(tag: string, extra: { subject?: string; headers?: string[]; body?: string; from?: string } = {}): { raw: string; messageId: string } {
  seq += 1;
  const messageId = `<${tag}.${seq}.${Date.now()}@customer.example>`;
  const raw = [
    `From: ${extra.from ?? `Customer ${seq} <customer${seq}@customer.example>`}`,
    'To: Ponte Support <support@ponte.test>',
    `Subject: ${extra.subject ?? `Help needed #${seq}`}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: ${messageId}`,
    ...(extra.headers ?? []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    extra.body ?? `Olá, mensagem número ${seq}.`,
    '',
  ].join('\r\n');
  return { raw, messageId };
}

function settingsFor(mailbox: string, overrides: Record<string, unknown> = {}, imapPort?: number): Record<string, unknown> {
  return {
    imap: { host: '127.0.0.1', port: imapPort ?? dovecot.port, secure: false, user: dovecot.user, password: dovecot.password, mailbox },
    smtp: { host: '127.0.0.1', port: smtp.port, secure: false },
    fromAddress: 'support@ponte.test',
    fromName: 'Ponte Support',
    pollIntervalSeconds: 3600,
    ...overrides,
  };
}

async function startAdapter(store: FakeStore, options: FakeContextOptions, deps: EmailAdapterDeps = FAST): Promise<EmailAdapter> {
  const adapter = new EmailAdapter(deps);
  adapters.push(adapter);
  await adapter.startSession(fakeContext(store, options));
  return adapter;
}

async function proxyToDovecot(): Promise<TcpProxy> {
  const p = await startTcpProxy(dovecot.port);
  proxies.push(p);
  return p;
}

function cursorOf(store: FakeStore): ImapCursor | undefined {
  const v = store.state.get(IMAP_CURSOR_KEY);
  return v ? (JSON.parse(v) as ImapCursor) : undefined;
}

function outbound(overrides: Partial<EmailOutboundMessage> = {}): EmailOutboundMessage {
  return {
    messageId: 'msg-1',
    ticketId: '65f1c2a9e4b0a1d2c3e4f5a6',
    ticketNumber: 1234,
    inboxId: 'inbox-1',
    to: { handle: 'ana.souza@customer.example', displayName: 'Ana Souza', email: 'ana.souza@customer.example' },
    subject: 'Re: Impressora não imprime',
    text: 'Olá Ana,\n\nJá reinstalamos o driver.\n\nBruno',
    html: '<p>Olá Ana,</p><p>Já reinstalamos o driver.</p><p>Bruno</p>',
    attachments: [{ fileName: 'relatório técnico.pdf', mimeType: 'application/pdf', size: 9, content: Buffer.from('%PDF-1.4\n') }],
    threading: {
      messageId: '<ponte.65f1c2a9e4b0a1d2c3e4f5a6.Xk3vQ9LmP0aBcD2e.9f8e7d6c5b4a39281706f5e4d3c2b1a0@ponte.test>',
      inReplyTo: '<first.customer.mail@customer.example>',
      references: ['<first.customer.mail@customer.example>'],
    },
    ...overrides,
  };
}

describe('email channel against real Dovecot and an SMTP capture', () => {
  beforeAll(async () => {
    [dovecot, smtp, smtpAuth] = await Promise.all([startDovecot(), startSmtpCapture(), startSmtpCapture({ auth: { user: 'relay', pass: 'relay-secret' } })]);
  });

  afterEach(async () => {
    await Promise.all(adapters.splice(0).map((a) => a.stop()));
    await Promise.all(proxies.splice(0).map((p) => p.close()));
    smtp.clearRejection();
  });

  afterAll(async () => {
    await Promise.all([dovecot?.stop(), smtp?.stop(), smtpAuth?.stop()]);
  });

  describe('inbound (IMAP)', () => {
    it('emits each mail once, over IDLE, keeps the raw source and persists the cursor', async () => {
      const mailbox = 'Idle';
      const first = [customerMail('idle'), customerMail('idle'), customerMail('idle')];
      await dovecot.append(first.map((m) => m.raw), mailbox);
      const store = new FakeStore();
      await startAdapter(store, { settings: settingsFor(mailbox) });
      // start() resolves after the first sync: the three waiting mails are in.
      expect(store.received().map((e) => e.threading.messageId)).toEqual(first.map((m) => m.messageId));

      // New mail while connected: IDLE reports it (the periodic check is an hour away).
      const t0 = Date.now();
      const later = [customerMail('idle'), customerMail('idle')];
      await dovecot.append(later.map((m) => m.raw), mailbox);
      await store.waitFor(() => store.events.size === 5 && cursorOf(store)?.lastUid === 5, 10_000, '5 mails');
      expect(Date.now() - t0).toBeLessThan(5_000);

      const all = [...first, ...later];
      for (const m of all) expect(store.timesEmitted(`mail:inbox-1:${m.messageId.slice(1, -1)}`)).toBe(1);
      expect(store.emitCalls).toHaveLength(5);

      const status = await dovecot.mailboxStatus(mailbox);
      expect(cursorOf(store)).toEqual({ mailbox, uidValidity: status.uidValidity.toString(), lastUid: 5 });

      // The raw source is kept and referenced.
      const e = store.received()[0]!;
      expect(e.rawRef).toBeDefined();
      const blob = store.blobs.get(e.rawRef!)!;
      expect(blob.mimeType).toBe('message/rfc822');
      expect(blob.content.toString('utf8')).toBe(first[0]!.raw);
      expect(e.text).toContain('Olá, mensagem número');
      expect(store.health.at(-1)).toEqual({ status: 'ok' });
    });

    it('finds new mail with the periodic check when IDLE is off', async () => {
      const mailbox = 'Poll';
      await dovecot.createMailbox(mailbox);
      const store = new FakeStore();
      const noIdle = (o: ImapFlowOptions): ImapFlow => new ImapFlow({ ...o, disableAutoIdle: true });
      await startAdapter(store, { settings: settingsFor(mailbox, { pollIntervalSeconds: 1 }) }, { ...FAST, createImapClient: noIdle });
      expect(store.events.size).toBe(0);
      const m = customerMail('poll');
      await dovecot.append([m.raw], mailbox);
      await store.waitFor(() => store.events.size === 1, 5_000, 'the polled mail');
      expect(store.received()[0]?.threading.messageId).toBe(m.messageId);
    });

    it('loses nothing and duplicates nothing when the connection dies mid-stream and the poller restarts with 20 new mails waiting', async () => {
      const mailbox = 'Crash';
      const proxy = await proxyToDovecot();
      const store = new FakeStore();
      const batch1 = Array.from({ length: 20 }, () => customerMail('crash'));
      await dovecot.append(batch1.map((m) => m.raw), mailbox);

      // Run 1 cuts the TCP connection after the 7th stored mail (the rest of that FETCH batch is in
      // memory); run 2 lets the server send 1 500 more bytes and then cuts, i.e. inside a FETCH response.
      let stored = 0;
      let cuts = 0;
      const slowEmit: FakeContextOptions = {
        settings: settingsFor(mailbox, {}, proxy.port),
        beforeEmit: () => new Promise((r) => setTimeout(r, 15)),
        afterEmit: () => {
          stored += 1;
          if (stored === 7) {
            cuts += 1;
            proxy.dropAll();
          }
          if (stored === 25) {
            cuts += 1;
            proxy.dropAfterServerBytes(1_500);
          }
        },
      };
      const a1 = await startAdapter(store, slowEmit);
      await store.waitFor(() => store.events.size === 20, 20_000, 'first 20 mails');
      expect(cuts).toBe(1);
      expect(proxy.connections).toBeGreaterThanOrEqual(2); // it reconnected
      await a1.stop();

      // While the hub is down, 20 more arrive.
      const batch2 = Array.from({ length: 20 }, () => customerMail('crash'));
      await dovecot.append(batch2.map((m) => m.raw), mailbox);

      // Run 2: a new adapter with the same durable state; cut again mid-stream.
      await startAdapter(store, slowEmit);
      await store.waitFor(() => store.events.size === 40 && cursorOf(store)?.lastUid === 40, 20_000, 'all 40 mails');
      expect(cuts).toBe(2);

      for (const m of [...batch1, ...batch2]) {
        expect(store.timesEmitted(`mail:inbox-1:${m.messageId.slice(1, -1)}`), m.messageId).toBe(1);
      }
      expect(store.emitCalls).toHaveLength(40);
      expect(cursorOf(store)?.lastUid).toBe(40);
      // In UID order, i.e. in arrival order.
      expect(store.received().map((e) => e.threading.messageId)).toEqual([...batch1, ...batch2].map((m) => m.messageId));
    });

    it('back-fills after the server was unreachable, and reports health with the last error', async () => {
      const mailbox = 'Down';
      await dovecot.createMailbox(mailbox);
      const proxy = await proxyToDovecot();
      const store = new FakeStore();
      await startAdapter(store, { settings: settingsFor(mailbox, {}, proxy.port) });
      expect(store.health.at(-1)).toEqual({ status: 'ok' });

      await proxy.pause(); // connection cut, reconnects refused
      const waiting = Array.from({ length: 5 }, () => customerMail('down'));
      await dovecot.append(waiting.map((m) => m.raw), mailbox);
      await store.waitFor(() => store.health.some((h) => h.status === 'down'), 10_000, 'health down');
      const bad = store.health.filter((h) => h.status !== 'ok');
      expect(bad[0]?.status).toBe('degraded');
      expect(bad.some((h) => h.detail?.startsWith('CONNECTION_REFUSED:'))).toBe(true);
      expect(store.events.size).toBe(0);

      await proxy.resume();
      await store.waitFor(() => store.events.size === 5, 10_000, 'back-fill');
      await store.waitFor(() => store.health.at(-1)?.status === 'ok', 5_000, 'health ok again');
      expect(store.emitCalls).toHaveLength(5);
    });

    it('does not move the cursor past a mail whose emit failed; it is retried', async () => {
      const mailbox = 'EmitFail';
      const mails = [customerMail('ef'), customerMail('ef'), customerMail('ef')];
      await dovecot.append(mails.map((m) => m.raw), mailbox);
      const store = new FakeStore();
      let failures = 0;
      const failingKey = `mail:inbox-1:${mails[1]!.messageId.slice(1, -1)}`;
      await startAdapter(store, {
        settings: settingsFor(mailbox),
        beforeEmit: (events) => {
          if (events[0]?.providerKey === failingKey && failures < 2) {
            failures += 1;
            throw new Error('database unavailable');
          }
        },
      });
      await store.waitFor(() => store.events.size === 3 && cursorOf(store)?.lastUid === 3, 10_000, 'all 3 after retries');
      expect(failures).toBe(2);
      expect(store.health.some((h) => h.status === 'degraded' && h.detail?.includes('database unavailable'))).toBe(true);
      expect(store.emitCalls.filter((k) => k === failingKey)).toHaveLength(1);
      expect(store.received().map((e) => e.threading.messageId)).toEqual(mails.map((m) => m.messageId));
      expect(cursorOf(store)?.lastUid).toBe(3);
    });

    it('stores a mail with an attachment over the hub limit with its text, the file listed without bytes', async () => {
      const mailbox = 'AttachmentTooLarge';
      const big = customerMail('big', {
        headers: ['Content-Type: multipart/mixed; boundary="b"'],
        body: '--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSegue o vídeo do defeito.\r\n--b\r\nContent-Type: video/mp4\r\nContent-Disposition: attachment; filename="defeito.mp4"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAAIGZ0eXBpc29t\r\n--b--',
      });
      // customerMail writes its own text/plain Content-Type after the extra headers: drop that one.
      const raw = big.raw.replace('Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n--b', '\r\n--b');
      await dovecot.append([raw], mailbox);
      const store = new FakeStore();
      await startAdapter(store, {
        settings: settingsFor(mailbox),
        beforeEmit: (events) => {
          const e = events[0];
          // What the core's intake throws when a file is over MAX_ATTACHMENT_BYTES (here: any embedded bytes).
          if (e?.type === 'message.received' && (e.attachments ?? []).some((a) => a.contentBase64)) {
            throw new AppError('ATTACHMENT_TOO_LARGE', 'Attachment defeito.mp4 exceeds the size limit');
          }
        },
      });
      await store.waitFor(() => cursorOf(store)?.lastUid === 1 && store.events.size === 1, 10_000, 'the mail');
      const [mail] = store.received();
      expect(mail?.threading.messageId).toBe(big.messageId);
      expect(mail?.text).toContain('Segue o vídeo do defeito.');
      expect(mail?.attachments).toMatchObject([{ fileName: 'defeito.mp4', mimeType: 'video/mp4' }]);
      expect(mail?.attachments[0]?.contentBase64).toBeUndefined();
    });

    it('keeps a mail the core refuses every time as unreadable and reads the mail after it', async () => {
      const mailbox = 'EmitRefused';
      const mails = [customerMail('er'), customerMail('er', { body: 'the one the database will not take' }), customerMail('er')];
      await dovecot.append(mails.map((m) => m.raw), mailbox);
      const store = new FakeStore();
      const refusedKey = `mail:inbox-1:${mails[1]!.messageId.slice(1, -1)}`;
      let refusals = 0;
      await startAdapter(store, {
        settings: settingsFor(mailbox),
        beforeEmit: (events) => {
          if (events[0]?.providerKey !== refusedKey) return;
          refusals += 1;
          // What the database driver throws for a document over 16 MB: the same on every retry.
          throw new RangeError('The value of "offset" is out of range. It must be >= 0 && <= 17825792. Received 17825797');
        },
      });
      await store.waitFor(() => cursorOf(store)?.lastUid === 3 && store.events.size === 3, 15_000, 'all 3 mails past the refused one');
      expect(refusals).toBe(3);
      const [first, kept, third] = store.received();
      expect([first?.threading.messageId, third?.threading.messageId]).toEqual([mails[0]!.messageId, mails[2]!.messageId]);
      expect(kept?.providerKey).toMatch(/^mail:inbox-1:sha256:[0-9a-f]{64}$/);
      expect(kept?.automated).toBe(true);
      expect(store.blobs.get(kept?.rawRef ?? '')?.content.toString()).toContain('the one the database will not take');
    });

    it('keeps two different mails that share a Message-ID; the same mail delivered twice stays one', async () => {
      const mailbox = 'SharedMessageId';
      // Scan-to-mail firmware that writes one fixed Message-ID on every mail.
      const scan = (n: number) =>
        ['From: Scanner <scanner@office.example.com>', 'To: support@ponte.test', `Subject: Scan ${n}`, `Date: Mon, 3 Feb 2025 10:0${n}:00 +0000`, 'Message-ID: <scan@scanner.local>', '', `Scanned page ${n}`, ''].join('\r\n');
      const again = `Received: from relay.example.com by mx.ponte.test; Mon, 3 Feb 2025 10:01:05 +0000\r\nDelivered-To: sales@ponte.test\r\n${scan(1)}`;
      await dovecot.append([scan(1), scan(2), again], mailbox);
      const store = new FakeStore();
      await startAdapter(store, { settings: settingsFor(mailbox) });
      await store.waitFor(() => cursorOf(store)?.lastUid === 3 && store.emitCalls.length === 3, 10_000, 'all 3 scans read');
      expect(store.received().map((e) => e.text.trim())).toEqual(['Scanned page 1', 'Scanned page 2']);
      const [first, second] = store.received();
      expect(first?.providerKey).toBe('mail:inbox-1:scan@scanner.local');
      expect(second?.providerKey).toMatch(/^mail:inbox-1:scan@scanner\.local#[0-9a-f]{16}$/);
      expect(store.emitCalls[2]).toBe(first?.providerKey);
    });

    it('waits out a database that is away, however many attempts, and then stores the mail as it is', async () => {
      const mailbox = 'DatabaseAway';
      const mails = [customerMail('da'), customerMail('da')];
      await dovecot.append(mails.map((m) => m.raw), mailbox);
      const store = new FakeStore();
      let outages = 0;
      await startAdapter(store, {
        settings: settingsFor(mailbox),
        beforeEmit: () => {
          if (outages >= 5) return;
          outages += 1;
          const err = new Error('connection <monitor> to 127.0.0.1:27017 closed');
          err.name = 'MongoNetworkError';
          throw err;
        },
      });
      await store.waitFor(() => cursorOf(store)?.lastUid === 2 && store.events.size === 2, 15_000, 'both mails after the outage');
      expect(outages).toBe(5);
      expect(store.received().map((e) => e.threading.messageId)).toEqual(mails.map((m) => m.messageId));
    });

    it('reads the whole mailbox again when UIDVALIDITY changes, relying on Message-ID dedupe', async () => {
      const mailbox = 'Resync';
      const mails = [customerMail('rs'), customerMail('rs'), customerMail('rs')];
      await dovecot.append(mails.map((m) => m.raw), mailbox);
      const store = new FakeStore();
      const a1 = await startAdapter(store, { settings: settingsFor(mailbox) });
      expect(store.events.size).toBe(3);
      const before = cursorOf(store)!;
      await a1.stop();

      // The mailbox is rebuilt (restore, migration): same mails, new UIDs, new UIDVALIDITY, plus one new mail.
      await dovecot.recreateMailbox(mailbox);
      const fresh = customerMail('rs');
      await dovecot.append([...mails.map((m) => m.raw), fresh.raw], mailbox);
      await startAdapter(store, { settings: settingsFor(mailbox) });

      const after = cursorOf(store)!;
      expect(after.uidValidity).not.toBe(before.uidValidity);
      expect(after).toMatchObject({ mailbox, lastUid: 4 });
      expect(store.events.size).toBe(4);
      for (const m of mails) expect(store.timesEmitted(`mail:inbox-1:${m.messageId.slice(1, -1)}`)).toBe(2); // re-read, then a duplicate
      expect(store.timesEmitted(`mail:inbox-1:${fresh.messageId.slice(1, -1)}`)).toBe(1);
    });

    it('notices a UIDVALIDITY change while connected', async () => {
      const mailbox = 'ResyncLive';
      const mails = [customerMail('rl'), customerMail('rl')];
      await dovecot.append(mails.map((m) => m.raw), mailbox);
      const store = new FakeStore();
      await startAdapter(store, { settings: settingsFor(mailbox, { pollIntervalSeconds: 1 }) });
      const before = cursorOf(store)!;
      await dovecot.recreateMailbox(mailbox);
      const fresh = customerMail('rl');
      await dovecot.append([mails[0]!.raw, fresh.raw], mailbox);
      await store.waitFor(() => store.events.size === 3, 15_000, 'the mail after the resync');
      await store.waitFor(() => cursorOf(store)?.lastUid === 2 && cursorOf(store)?.uidValidity !== before.uidValidity, 5_000, 'new cursor');
      expect(store.timesEmitted(`mail:inbox-1:${fresh.messageId.slice(1, -1)}`)).toBe(1);
    });

    it('emits a bounce of our mail as automated and marks the outbound message failed', async () => {
      const mailbox = 'Bounces';
      const ours = '<ponte.65f1c2a9e4b0a1d2c3e4f5a6.Bb12Bb34Bb56Bb78.0123456789abcdef0123456789abcdef@ponte.test>';
      const dsn = [
        'From: MAILER-DAEMON@mx.ponte.test (Mail Delivery System)',
        'To: support@ponte.test',
        'Subject: Undelivered Mail Returned to Sender',
        'Message-ID: <dsn.integration@mx.ponte.test>',
        `Date: ${new Date().toUTCString()}`,
        'Auto-Submitted: auto-replied',
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
        '',
        '--B',
        'Content-Type: text/plain',
        '',
        'Your message could not be delivered.',
        '--B',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; mx.ponte.test',
        '',
        'Final-Recipient: rfc822; nobody@customer.example',
        'Action: failed',
        'Status: 5.1.1',
        'Diagnostic-Code: smtp; 550 5.1.1 User unknown',
        '--B',
        'Content-Type: text/rfc822-headers',
        '',
        `Message-ID: ${ours}`,
        'References: <root.thread@customer.example>',
        '--B--',
        '',
      ].join('\r\n');
      await dovecot.append([dsn, customerMail('ooo', { headers: ['Auto-Submitted: auto-replied'] }).raw], mailbox);
      const store = new FakeStore();
      await startAdapter(store, { settings: settingsFor(mailbox) });
      const [bounce, ooo] = store.received();
      expect(bounce).toMatchObject({ automated: true, threading: { inReplyTo: ours, conversationId: '<root.thread@customer.example>' } });
      expect(ooo?.automated).toBe(true);
      const status = [...store.events.values()].find((e) => e.type === 'message.status');
      expect(status).toMatchObject({ providerMessageId: ours, status: 'failed', reason: 'Delivery to nobody@customer.example failed (5.1.1): 550 5.1.1 User unknown' });
    });

    it('flags a sender over the hourly rate as automated', async () => {
      const mailbox = 'Flood';
      const flood = Array.from({ length: 4 }, () => customerMail('flood', { from: 'Robot <robot@loop.example>' }));
      await dovecot.append(flood.map((m) => m.raw), mailbox);
      const store = new FakeStore();
      await startAdapter(store, { settings: settingsFor(mailbox, { rateLimitPerSenderPerHour: 2 }) });
      expect(store.received().map((e) => e.automated)).toEqual([false, false, true, true]);
    });
  });

  describe('outbound (SMTP)', () => {
    it('sends a reply with the right headers, appends it to Sent, and the customer reply to it threads back', async () => {
      const mailbox = 'Threads';
      await dovecot.createMailbox(mailbox);
      const store = new FakeStore();
      const adapter = await startAdapter(store, { settings: settingsFor(mailbox, { appendToSent: true, sentMailbox: 'Sent Items' }) });
      const out = outbound();
      const before = smtp.messages.length;
      const result = await adapter.send(out);
      expect(result.providerMessageId).toBe(out.threading.messageId);

      const [captured] = (await smtp.waitFor(before + 1)).slice(before);
      expect(captured!.envelope).toEqual({ from: 'support@ponte.test', to: ['ana.souza@customer.example'] });
      const mail = await captured!.parse();
      expect(mail.subject).toBe('Re: Impressora não imprime [#1234]');
      expect(mail.messageId).toBe(out.threading.messageId);
      expect(mail.inReplyTo).toBe('<first.customer.mail@customer.example>');
      expect(mail.references).toBe('<first.customer.mail@customer.example>');
      expect(mail.from?.value[0]).toEqual({ address: 'support@ponte.test', name: 'Ponte Support' });
      expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0] : undefined).toEqual({ address: 'ana.souza@customer.example', name: 'Ana Souza' });
      expect(mail.headers.get('x-loop')).toBe('support@ponte.test');
      expect(mail.headers.has('auto-submitted')).toBe(false);
      expect(mail.headers.has('x-auto-response-suppress')).toBe(false);
      expect(mail.headers.has('reply-to')).toBe(false);
      expect(mail.text).toContain('Já reinstalamos o driver.');
      expect(mail.html).toContain('<p>Já reinstalamos o driver.</p>');
      expect(mail.attachments.map((a) => [a.filename, a.contentType, a.content.toString()])).toEqual([
        ['relatório técnico.pdf', 'application/pdf', '%PDF-1.4\n'],
      ]);

      // The Sent copy is the same bytes (created the folder on first use).
      const client = await dovecot.client();
      try {
        await client.mailboxOpen('Sent Items');
        const copies = await client.fetchAll('1:*', { source: true, flags: true });
        expect(copies).toHaveLength(1);
        expect(copies[0]!.source!.equals(captured!.raw)).toBe(true);
        expect(copies[0]!.flags?.has('\\Seen')).toBe(true);
      } finally {
        await client.logout();
      }

      // The customer answers that mail; the reply comes in threaded to it.
      const replyId = '<customer.answer.1@customer.example>';
      await dovecot.append(
        [
          [
            'From: Ana Souza <ana.souza@customer.example>',
            'To: Ponte Support <support@ponte.test>',
            `Subject: Re: ${mail.subject}`,
            `Message-ID: ${replyId}`,
            `In-Reply-To: ${mail.messageId}`,
            `References: ${[mail.references, mail.messageId].flat().join(' ')}`,
            `Date: ${new Date().toUTCString()}`,
            'Content-Type: text/plain; charset=utf-8',
            '',
            'Funcionou, obrigada!',
            '',
            `Em seg., 6 de jan. de 2025 às 10:00, Ponte Support <support@ponte.test> escreveu:`,
            '> Olá Ana,',
            '',
          ].join('\r\n'),
        ],
        mailbox,
      );
      adapter.imapPoller?.syncNow();
      await store.waitFor(() => store.events.size === 1, 10_000, 'the customer reply');
      const reply = store.received()[0]!;
      expect(reply.threading).toMatchObject({
        messageId: replyId,
        inReplyTo: out.threading.messageId,
        references: ['<first.customer.mail@customer.example>', out.threading.messageId],
        conversationId: '<first.customer.mail@customer.example>',
        subject: 'Re: Re: Impressora não imprime [#1234]',
      });
      expect(reply.automated).toBe(false);
    });

    it('marks automatic mails (RFC 3834) and refuses more than the hourly limit per recipient', async () => {
      const store = new FakeStore();
      const adapter = await startAdapter(store, { settings: settingsFor('INBOX', { rateLimitPerSenderPerHour: 2, replyToStyle: 'address', replyToAddress: 'help@ponte.test' }) });
      const before = smtp.messages.length;
      const auto = (n: number): EmailOutboundMessage =>
        outbound({ messageId: `auto-${n}`, automatic: true, subject: 'We got your request', threading: { inReplyTo: '<x@customer.example>' } });
      await adapter.send(auto(1));
      const [captured] = (await smtp.waitFor(before + 1)).slice(before);
      const mail = await captured!.parse();
      expect(mail.headers.get('auto-submitted')).toBe('auto-replied');
      expect(mail.headers.get('x-auto-response-suppress')).toBe('All');
      expect(mail.headers.get('x-loop')).toBe('support@ponte.test');
      expect(mail.replyTo?.value[0]?.address).toBe('help@ponte.test');
      expect(mail.messageId).toMatch(/^<ponte\.[0-9a-f]{32}@ponte\.test>$/);
      await adapter.send(auto(2));
      const third = await adapter.send(auto(3)).catch((e: unknown) => e);
      expect(third).toBeInstanceOf(ChannelError);
      expect(third).toMatchObject({ code: 'AUTO_REPLY_RATE_LIMITED', retryable: false });
      // An agent's reply is never rate limited.
      await expect(adapter.send(outbound({ messageId: 'agent-1' }))).resolves.toMatchObject({ providerMessageId: expect.any(String) });
    });

    it.each([
      ['rcpt', 550, '5.1.1 <ana.souza@customer.example>: Recipient address rejected: User unknown in virtual mailbox table', false, 'SMTP_REJECTED'],
      ['data', 554, '5.7.1 Message rejected as spam', false, 'SMTP_REJECTED'],
      ['mail', 451, '4.7.1 Try again later, greylisted', true, 'SMTP_TEMPORARY_FAILURE'],
      ['rcpt', 452, '4.2.2 Mailbox full', true, 'SMTP_TEMPORARY_FAILURE'],
    ] as const)('SMTP %s stage, reply %d %s → retryable %s, %s', async (stage, code, message, retryable, errorCode) => {
      const store = new FakeStore();
      const adapter = await startAdapter(store, { settings: settingsFor('INBOX') });
      smtp.reject({ stage, code, message });
      const err = await adapter.send(outbound()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ChannelError);
      expect(err).toMatchObject({ code: errorCode, retryable });
      expect((err as ChannelError).message).toContain(`${code} ${message}`);
    });

    it('a closed SMTP port is a retryable connection error', async () => {
      const closed = await new Promise<number>((resolve) => {
        const s = net.createServer().listen(0, '127.0.0.1', () => {
          const port = (s.address() as net.AddressInfo).port;
          s.close(() => resolve(port));
        });
      });
      const store = new FakeStore();
      const adapter = await startAdapter(store, { settings: settingsFor('INBOX', { smtp: { host: '127.0.0.1', port: closed, secure: false } }) });
      const err = await adapter.send(outbound()).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'SMTP_CONNECTION_REFUSED', retryable: true });
    });
  });

  describe('test connection', () => {
    let silent: net.Server;
    let silentPort: number;
    let closedPort: number;
    beforeAll(async () => {
      silent = net.createServer(() => undefined); // accepts, never greets
      silentPort = await new Promise((resolve) => silent.listen(0, '127.0.0.1', () => resolve((silent.address() as net.AddressInfo).port)));
      closedPort = await new Promise((resolve) => {
        const s = net.createServer().listen(0, '127.0.0.1', () => {
          const port = (s.address() as net.AddressInfo).port;
          s.close(() => resolve(port));
        });
      });
    });
    afterAll(async () => {
      silent.close();
    });

    const imap = (over: Record<string, unknown> = {}) => ({
      host: '127.0.0.1',
      port: dovecot.port,
      secure: false,
      user: dovecot.user,
      password: dovecot.password,
      mailbox: 'INBOX',
      tlsRejectUnauthorized: true,
      ...over,
    });
    const smtpSettings = (over: Record<string, unknown> = {}) => ({
      host: '127.0.0.1',
      port: smtpAuth.port,
      secure: false,
      user: 'relay',
      password: 'relay-secret',
      tlsRejectUnauthorized: true,
      ...over,
    });

    it.each([
      ['ok', {}, undefined],
      ['wrong password', { password: 'nope' }, 'AUTH_FAILED'],
      ['TLS on a plaintext port', { secure: true }, 'TLS_ERROR'],
      ['missing mailbox', { mailbox: 'Nowhere' }, 'MAILBOX_NOT_FOUND'],
      ['closed port', 'closed', 'CONNECTION_REFUSED'],
      ['server that never greets', 'silent', 'TIMEOUT'],
    ])('IMAP: %s', async (_label, over, code) => {
      const port = over === 'closed' ? { port: closedPort } : over === 'silent' ? { port: silentPort } : over;
      const r = await testImapConnection(imap(port as Record<string, unknown>), { timeoutMs: 2_000 });
      if (code) expect(r).toMatchObject({ ok: false, code });
      else expect(r).toMatchObject({ ok: true });
    });

    it.each([
      ['ok', {}, undefined],
      ['wrong password', { password: 'nope' }, 'AUTH_FAILED'],
      ['TLS on a plaintext port', { secure: true }, 'TLS_ERROR'],
      ['closed port', 'closed', 'CONNECTION_REFUSED'],
      ['server that never greets', 'silent', 'TIMEOUT'],
    ])('SMTP: %s', async (_label, over, code) => {
      const port = over === 'closed' ? { port: closedPort } : over === 'silent' ? { port: silentPort } : over;
      const r = await testSmtpConnection(smtpSettings(port as Record<string, unknown>), { timeoutMs: 2_000 });
      if (code) expect(r).toMatchObject({ ok: false, code });
      else expect(r).toMatchObject({ ok: true });
    });
  });
});
