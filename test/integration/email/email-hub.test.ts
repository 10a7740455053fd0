import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmailAdapter, parseEmailSettings } from '../../../src/channels/email/adapter.js';
import { unreadableMailEvent } from '../../../src/channels/email/imap-poller.js';
import { testEmailConnection } from '../../../src/channels/email/test-connection.js';
import { ChannelRuntime, type ChannelHost } from '../../../src/channels/channel-runtime.js';
import { createLogger } from '../../../src/core/logging/logger.js';
import type { Viewer } from '../../../src/core/users/viewer.js';
import { isDovecotInstalled, startDovecot, type DovecotStandin } from '../../standins/dovecot.js';
import { startSmtpCapture, type CapturedMail, type SmtpCapture } from '../../standins/smtp-capture.js';
import { createUser, startTestCore, type TestCore } from '../../support/test-core.js';
import { startTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { modelsOf } from '../../../src/core/models/models-of.js';

/**
 * The whole hub with the email channel against real peers on loopback: Debian's
 * Dovecot for IMAP and an smtp-server capture for SMTP. Mails go in by IMAP
 * APPEND, exactly as a mail server would deliver them.
 */
const haveDovecot = await isDovecotInstalled();
// npm test installs it first (scripts/test-prerequisites.mjs); a missing peer is a failure, never a skip.
if (!haveDovecot) throw new Error('dovecot-imapd is not installed: apt-get install -y dovecot-imapd');

const FAST = { backoff: { initialMs: 50, maxMs: 400 }, idleDelayMs: 100, timeoutMs: 5_000 };
const SUPPORT = 'support@ponte.test';

let dovecot: DovecotStandin;
let smtp: SmtpCapture;
let db: TestDatabase;
let t: TestCore;
let runtime: ChannelRuntime;
let admin: Viewer;
let inboxId: string;

function newRuntime() {
  return new ChannelRuntime({ email: () => new EmailAdapter(FAST) }, createLogger('silent'), {
    email: async (settings) => {
      const { imap, smtp: s } = await testEmailConnection(parseEmailSettings(settings), { timeoutMs: 3000 });
      return { ok: imap.ok && s.ok, checks: { imap, smtp: s } };
    },
  });
}
const host = (): ChannelHost => ({ listInboxes: () => t.core.inboxes.list(), channelContext: (id) => t.core.channelContext(id) });

async function startHub() {
  runtime = newRuntime();
  t = await startTestCore({}, db, runtime);
  await runtime.startAll(host());
}
async function stopHub() {
  await runtime.stopAll();
  await t.core.stop();
}

let n = 0;
function mail(opts: { from: string; subject: string; body?: string; inReplyTo?: string; references?: string[]; headers?: string[] }) {
  n += 1;
  const messageId = `<m${n}.${Date.now()}@customer.example>`;
  const lines = [
    `From: ${opts.from}`,
    `To: Ponte Support <${SUPPORT}>`,
    `Subject: ${opts.subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: ${messageId}`,
    ...(opts.inReplyTo ? [`In-Reply-To: ${opts.inReplyTo}`] : []),
    ...(opts.references ? [`References: ${opts.references.join(' ')}`] : []),
    ...(opts.headers ?? []),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    opts.body ?? `Body ${n}`,
    '',
  ];
  return { raw: lines.join('\r\n'), messageId };
}

async function until<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const stored = (messageId: string) =>
  until(`message ${messageId}`, () => modelsOf(t.core).Message.findOne({ providerKey: `mail:${inboxId}:${messageId.slice(1, -1)}` }).lean(), (m) => m !== null);

const processed = (messageId: string) =>
  until(
    `processing of ${messageId}`,
    () => modelsOf(t.core).InboundEvent.findById(`mail:${inboxId}:${messageId.slice(1, -1)}`).lean(),
    (e) => e?.status === 'processed',
  );

const header = async (m: CapturedMail, name: string) => (await m.parse()).headers.get(name);

beforeAll(async () => {
  dovecot = await startDovecot();
  smtp = await startSmtpCapture();
  db = await startTestDatabase();
  await startHub();
  admin = await createUser(t.core, 'admin');
  const inbox = await t.core.inboxes.create(admin, {
    kind: 'email',
    name: 'Support mail',
    enabled: true,
    settings: {
      imap: { host: dovecot.host, port: dovecot.port, secure: false, user: dovecot.user, tlsRejectUnauthorized: false },
      smtp: { host: smtp.host, port: smtp.port, secure: false },
      fromAddress: SUPPORT,
      fromName: 'Ponte Support',
      pollIntervalSeconds: 2,
      autoAcknowledge: true,
    },
    secrets: { 'imap.password': dovecot.password },
    departmentId: null,
  });
  inboxId = inbox.id;
  // inbox.changed is published by the service; in main.ts the runtime reloads on it. Here, directly:
  await runtime.reload(host(), inboxId);
}, 120_000);

afterAll(async () => {
  await stopHub();
  await db.stop();
  await smtp.stop();
  await dovecot.stop();
});

describe('email through the whole hub (Dovecot + SMTP capture)', () => {
  let ticketId: string;
  let ticketNumber: number;
  let customerFirst: string;
  let agentReply: CapturedMail;

  it('test connection reports both servers ok; the password is never returned', async () => {
    const report = await t.core.inboxes.testConnection(admin, inboxId);
    expect(report.ok).toBe(true);
    const shown = JSON.stringify(await t.core.inboxes.get(inboxId));
    expect(shown).not.toContain(dovecot.password);
    expect(shown).toContain('imap.password');
  });

  it('a customer mail becomes a ticket and gets one automatic acknowledgement marked Auto-Submitted', async () => {
    const m = mail({ from: 'Ana Souza <ana@customer.example>', subject: 'Printer on fire', body: 'It smokes.' });
    customerFirst = m.messageId;
    await dovecot.append([m.raw]);
    const message = await stored(m.messageId);
    const ticket = (await modelsOf(t.core).Ticket.findById(message!.ticketId).lean())!;
    ticketId = String(ticket._id);
    ticketNumber = ticket.number;
    expect(ticket.subject).toBe('Printer on fire');

    const [ack] = await smtp.waitFor(1, 15_000);
    const parsed = await ack!.parse();
    expect(parsed.to && 'text' in parsed.to ? parsed.to.text : '').toContain('ana@customer.example');
    expect(await header(ack!, 'auto-submitted')).toBe('auto-replied');
    expect(parsed.subject).toContain(`[#${ticketNumber}]`);
    expect(parsed.inReplyTo).toBe(customerFirst);
  });

  it('an agent reply goes out by SMTP with subject token and thread headers', async () => {
    await t.core.compose.reply(admin, ticketId, { text: 'Please unplug it. We are on our way.', attachments: [] });
    const mails = await smtp.waitFor(2, 15_000);
    agentReply = mails[1]!;
    const parsed = await agentReply.parse();
    expect(parsed.subject).toBe(`Re: Printer on fire [#${ticketNumber}]`);
    expect(parsed.inReplyTo).toBe(customerFirst);
    expect([parsed.references ?? []].flat()).toEqual(expect.arrayContaining([customerFirst]));
    expect(parsed.messageId).toMatch(/^<ponte\./);
    expect(parsed.text).toContain('Please unplug it.');
    expect(await header(agentReply, 'auto-submitted')).toBeUndefined();
    const out = await until('sent status', () => modelsOf(t.core).Message.findOne({ ticketId, direction: 'outbound', automatic: { $ne: true } }).lean(), (m) => m?.delivery.status === 'sent');
    expect(out!.providerMessageId).toBe(parsed.messageId);
  });

  it("the customer's reply to it (built from the captured mail) joins the same ticket", async () => {
    const parsed = await agentReply.parse();
    const refs = [...(Array.isArray(parsed.references) ? parsed.references : parsed.references ? [parsed.references] : []), parsed.messageId!];
    const reply = mail({
      from: 'Ana Souza <ana@customer.example>',
      subject: `Re: ${parsed.subject}`,
      inReplyTo: parsed.messageId!,
      references: refs,
      body: 'Unplugged, thanks!\r\n\r\nOn Mon, Ponte Support <support@ponte.test> wrote:\r\n> Please unplug it.',
    });
    await dovecot.append([reply.raw]);
    const message = await stored(reply.messageId);
    expect(String(message!.ticketId)).toBe(ticketId);
    expect(message!.threadReason?.rule).toBe('reference');
    expect(message!.text).toBe('Unplugged, thanks!');
    expect(message!.quotedText).toContain('Please unplug it.');
  });

  it('a forwarded mail carrying our ticket token, from a stranger, opens a new ticket', async () => {
    const fwd = mail({ from: 'Mallory <mallory@elsewhere.example>', subject: `Fwd: Re: Printer on fire [#${ticketNumber}]`, body: 'What is this?' });
    await dovecot.append([fwd.raw]);
    const message = await stored(fwd.messageId);
    expect(String(message!.ticketId)).not.toBe(ticketId);
    expect(message!.threadReason?.detail).toContain('not a participant');
    // The stranger's own new ticket is acknowledged to the stranger, not to our customer.
    const mails = await smtp.waitFor(3, 15_000);
    expect(mails[2]!.envelope.to).toEqual(['mallory@elsewhere.example']);
  });

  it('an out-of-office reply is stored, flagged, and answered with nothing (no auto-ack, no loop)', async () => {
    const sentBefore = smtp.messages.length;
    const agentMessageId = (await agentReply.parse()).messageId!;
    const ooo = mail({
      from: 'Ana Souza <ana@customer.example>',
      subject: 'Automatic reply: Re: Printer on fire',
      inReplyTo: agentMessageId,
      headers: ['Auto-Submitted: auto-replied', 'X-Autoreply: yes'],
      body: 'I am out of the office until Monday.',
    });
    // A new sender's out-of-office with no thread headers would open a ticket: still no acknowledgement.
    const strangerOoo = mail({ from: 'Bob <bob@other.example>', subject: 'Out of office', headers: ['Auto-Submitted: auto-replied'], body: 'Away.' });
    await dovecot.append([ooo.raw, strangerOoo.raw]);
    const a = await stored(ooo.messageId);
    const b = await stored(strangerOoo.messageId);
    expect(String(a!.ticketId)).toBe(ticketId);
    expect(a!.automated).toBe(true);
    expect(b!.automated).toBe(true);
    // Processing is over once the events are marked processed, and an acknowledgement would have been stored
    // as an outbound message during it: none was.
    await processed(ooo.messageId);
    await processed(strangerOoo.messageId);
    expect(await modelsOf(t.core).Message.countDocuments({ ticketId: b!.ticketId, direction: 'outbound' })).toBe(0);
    expect(await modelsOf(t.core).Message.countDocuments({ ticketId: a!.ticketId, direction: 'outbound', createdAt: { $gt: a!.createdAt } })).toBe(0);
    expect(smtp.messages.length).toBe(sentBefore);
  });

  it('a mail without a usable From address still becomes a ticket an agent can see', async () => {
    const nameOnly = mail({ from: 'Recepção Loja 12', subject: 'Impressora parada', body: 'Sem endereço de resposta.' });
    const noFrom = mail({ from: '', subject: 'Formulário do site', body: 'Enviado pelo formulário.' });
    noFrom.raw = noFrom.raw.replace('From: \r\n', '');
    await dovecot.append([nameOnly.raw, noFrom.raw]);
    const a = await stored(nameOnly.messageId);
    const b = await stored(noFrom.messageId);
    expect(a!.ticketId).toBeTruthy();
    expect(b!.ticketId).toBeTruthy();
    expect(String(a!.ticketId)).not.toBe(String(b!.ticketId));
    await processed(nameOnly.messageId);
    await processed(noFrom.messageId);
  });

  it('a mail kept as unreadable (the mapper threw, or the core kept refusing it) becomes a ticket too', async () => {
    const event = unreadableMailEvent(inboxId, Buffer.from('\u0000 not a mail'), 'blob-unreadable');
    await t.core.ingest.accept([event]);
    await t.core.ingest.drain();
    expect((await modelsOf(t.core).InboundEvent.findById(event.providerKey).lean())?.status).toBe('processed');
    expect((await modelsOf(t.core).Message.findOne({ providerKey: event.providerKey }).lean())?.ticketId).toBeTruthy();
  });

  it('a DSN bounce of our reply attaches to the ticket and marks the outbound message failed', async () => {
    const parsed = await agentReply.parse();
    const boundary = 'BOUNDARY-42';
    const dsnId = `<dsn.${Date.now()}@mx.customer.example>`;
    const dsn = [
      'Return-Path: <>',
      'From: MAILER-DAEMON@mx.customer.example (Mail Delivery System)',
      `To: ${SUPPORT}`,
      'Subject: Undelivered Mail Returned to Sender',
      `Date: ${new Date().toUTCString()}`,
      `Message-ID: ${dsnId}`,
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Your message could not be delivered: mailbox full.',
      '',
      `--${boundary}`,
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.customer.example',
      '',
      'Final-Recipient: rfc822; ana@customer.example',
      'Action: failed',
      'Status: 5.2.2',
      'Diagnostic-Code: smtp; 552 5.2.2 Mailbox full',
      '',
      `--${boundary}`,
      'Content-Type: text/rfc822-headers',
      '',
      `From: Ponte Support <${SUPPORT}>`,
      'To: ana@customer.example',
      `Subject: ${parsed.subject}`,
      `Message-ID: ${parsed.messageId}`,
      '',
      `--${boundary}--`,
      '',
    ].join('\r\n');
    await dovecot.append([dsn]);
    const bounce = await stored(dsnId);
    expect(String(bounce!.ticketId)).toBe(ticketId);
    expect(bounce!.automated).toBe(true);
    const out = await until('failed status', () => modelsOf(t.core).Message.findOne({ providerMessageId: parsed.messageId }).lean(), (m) => m?.delivery.status === 'failed');
    expect(out!.delivery.lastError ?? JSON.stringify(out!.delivery.history)).toMatch(/5\.2\.2|[Mm]ailbox full/);
  });

  it('20 mails arriving while the hub is down are all stored exactly once after the restart', async () => {
    await stopHub();
    const burst = Array.from({ length: 20 }, (_, i) => mail({ from: `Customer ${i} <c${i}@burst.example>`, subject: `Burst ${i}` }));
    await dovecot.append(burst.map((b) => b.raw));
    await startHub();
    for (const b of burst) await stored(b.messageId);
    const keys = burst.map((b) => `mail:${inboxId}:${b.messageId.slice(1, -1)}`);
    expect(await modelsOf(t.core).Message.countDocuments({ providerKey: { $in: keys } })).toBe(20);
    // A second restart re-reads nothing new.
    await stopHub();
    await startHub();
    // A mail appended after the restart is stored once the poller has passed every older UID.
    const fence = mail({ from: 'Fence <fence@burst.example>', subject: 'After the second restart' });
    await dovecot.append([fence.raw]);
    await stored(fence.messageId);
    expect(await modelsOf(t.core).Message.countDocuments({ providerKey: { $in: keys } })).toBe(20);
  });
});
