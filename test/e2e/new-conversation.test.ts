import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../src/core/models/models-of.js';
import { createUser, emailEvent, smsEvent } from '../support/test-core.js';
import { startTwilioStandin, type TwilioStandin } from '../standins/twilio.js';
import { startDovecot, type DovecotStandin } from '../standins/dovecot.js';
import { startSmtpCapture, type SmtpCapture } from '../standins/smtp-capture.js';
import { launchBrowser, screenshot, signInToConsole } from './support/browser.js';
import { startApp, type RunningApp } from './support/start-app.js';

/**
 * "New conversation" in real Chromium against the whole app (channel catalogue, real email adapter): an agent
 * opens the dialog from the ticket list's header, writes to a new address from their department's email inbox;
 * the SMTP capture receives the mail; the console opens the new ticket with the outbound first message; the
 * customer's answer (In-Reply-To our Message-ID) lands in the same ticket, live. Then an existing contact is
 * picked by search and joins, not duplicated.
 */
let app: RunningApp;
let b: { browser: Browser; close(): Promise<void> };
let dovecot: DovecotStandin;
let smtp: SmtpCapture;
let twilio: TwilioStandin;
let inboxId: string;
let smsInboxId: string;
let agent: Awaited<ReturnType<typeof createUser>>;
const contexts: BrowserContext[] = [];
const SUPPORT = 'support@ponte.test';
const TWILIO_ACCOUNT = 'AC3f9c2a7e5b1d4c8f6a0e2b9d7c5a3e1f';
const TWILIO_TOKEN = '9f8e7d6c5b4a39281706f5e4d3c2b1a0';
const SMS_NUMBER = '+5511999990000';

async function login(user: { email: string; password: string }): Promise<Page> {
  const ctx = await b.browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'en-US' });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  return signInToConsole(page, app.url, user);
}

beforeAll(async () => {
  [dovecot, smtp, twilio] = await Promise.all([
    startDovecot(),
    startSmtpCapture(),
    startTwilioStandin({ accountSid: TWILIO_ACCOUNT, authToken: TWILIO_TOKEN, numbers: [SMS_NUMBER] }),
  ]);
  app = await startApp({ TWILIO_API_BASE_URL: twilio.url }, { catalogue: true });
  const admin = await createUser(app.core, 'admin');
  const dept = await app.core.departments.create(admin, { name: 'Support' });
  agent = await createUser(app.core, 'agent', [dept._id]);
  const inbox = await app.core.inboxes.create(admin, {
    kind: 'email',
    name: 'Support mail',
    enabled: true,
    settings: {
      imap: { host: dovecot.host, port: dovecot.port, secure: false, user: dovecot.user, tlsRejectUnauthorized: false },
      smtp: { host: smtp.host, port: smtp.port, secure: false },
      fromAddress: SUPPORT,
      fromName: 'Ponte Support',
      pollIntervalSeconds: 60,
    },
    secrets: { 'imap.password': dovecot.password },
    departmentId: String(dept._id),
  });
  inboxId = inbox.id;
  smsInboxId = (
    await app.core.inboxes.create(admin, {
      kind: 'sms',
      name: 'Support SMS',
      enabled: true,
      settings: { accountSid: TWILIO_ACCOUNT, phoneNumber: SMS_NUMBER },
      secrets: { authToken: TWILIO_TOKEN },
      departmentId: String(dept._id),
    })
  ).id;
  b = await launchBrowser();
});

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await b?.close();
  await app?.stop();
  await smtp?.stop();
  await dovecot?.stop();
  await twilio?.stop();
});

describe('new conversation in the console', () => {
  let page: Page;

  it('an agent writes to a new address; the mail goes out; the answer threads into the same ticket', async () => {
    page = await login(agent);
    await page.click('[data-testid=new-conversation]');
    await page.waitForSelector('[data-testid=new-conversation-dialog]');
    await page.selectOption('[data-testid=new-conv-inbox]', inboxId);
    await page.fill('[data-testid=new-conv-to]', 'not-an-address');
    await page.fill('[data-testid=new-conv-subject]', 'Your replacement part');
    await page.fill('[data-testid=new-conv-text]', 'Hello Nina,\nyour replacement part ships tomorrow.');
    await page.click('[data-testid=new-conv-send]');
    expect(await page.textContent('[data-testid=new-conv-error]')).toContain('valid email');
    await page.fill('[data-testid=new-conv-to]', 'nina.novak@example.com');
    expect(await page.locator('[data-testid=new-conv-error]').count()).toBe(0);
    await page.fill('[data-testid=new-conv-name]', 'Nina Novak');
    expect(await page.inputValue('[data-testid=new-conv-inbox]')).toBe(inboxId);
    await screenshot(page, 'new-conversation-dialog.png');
    await page.click('[data-testid=new-conv-send]');

    // The console opens the new ticket, its first message outbound.
    await page.waitForSelector('[data-testid=ticket-view]');
    await page.waitForSelector('[data-testid=message][data-direction=outbound]');
    // The thread reads "ticket created", then the first message.
    expect(await page.locator('[data-testid=thread] [data-testid=audit-line], [data-testid=thread] [data-testid=message]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')))).toEqual(['audit-line', 'message']);
    const ticketId = await page.getAttribute('[data-testid=ticket-view]', 'data-ticket-id');
    const ticket = (await modelsOf(app.core).Ticket.findById(ticketId).lean())!;
    expect(ticket).toMatchObject({ subject: 'Your replacement part', status: 'open', channel: 'email' });
    expect(String(ticket.assigneeId)).toBe(agent.id);

    const [mail] = await smtp.waitFor(1, 15_000);
    const parsed = await mail!.parse();
    expect(mail!.envelope.to).toEqual(['nina.novak@example.com']);
    expect(parsed.subject).toBe(`Your replacement part [#${ticket.number}]`);
    expect(parsed.text).toContain('your replacement part ships tomorrow');
    expect(parsed.messageId).toMatch(/^<ponte\./);
    await expect.poll(async () => (await modelsOf(app.core).Message.findOne({ ticketId: ticket._id }).lean())?.delivery.status).toBe('sent');
    await screenshot(page, 'new-conversation-sent.png');

    // The customer answers by email: In-Reply-To our Message-ID.
    const answer = emailEvent(inboxId, {
      messageId: `<nina-answer-${Date.now()}@example.com>`,
      from: 'nina.novak@example.com',
      subject: `Re: Your replacement part [#${ticket.number}]`,
      inReplyTo: parsed.messageId!,
      references: [parsed.messageId!],
      to: [SUPPORT],
      text: 'Great, thank you!',
    });
    await app.core.ingest.accept([answer]);
    await app.core.ingest.drain();
    const stored = (await modelsOf(app.core).Message.findOne({ providerKey: answer.providerKey }).lean())!;
    expect(String(stored.ticketId)).toBe(ticketId);
    await page.waitForSelector('[data-testid=message][data-direction=inbound]');
    expect(await page.locator('[data-testid=message]').evaluateAll((ms) => ms.map((m) => m.getAttribute('data-direction')))).toEqual(['outbound', 'inbound']);
    expect(await page.textContent('[data-testid=thread]')).toContain('Great, thank you!');
    await screenshot(page, 'new-conversation-answered.png');
  });

  it('picking an existing contact by search writes to that contact (no duplicate)', async () => {
    await page.click('[data-testid=new-conversation]');
    await page.selectOption('[data-testid=new-conv-inbox]', inboxId);
    await page.locator('[data-testid=new-conv-to]').pressSequentially('nina', { delay: 30 });
    await page.waitForSelector('[data-testid=new-conv-matches] button');
    await page.click('[data-testid=new-conv-matches] button');
    expect(await page.inputValue('[data-testid=new-conv-to]')).toBe('nina.novak@example.com');
    expect(await page.textContent('[data-testid=new-conv-contact]')).toContain('Nina Novak');
    await page.fill('[data-testid=new-conv-subject]', 'One more thing');
    await page.fill('[data-testid=new-conv-text]', 'Your invoice is attached to your account.');
    await screenshot(page, 'new-conversation-existing-contact.png');
    const before = page.url();
    await page.click('[data-testid=new-conv-send]');
    await expect.poll(() => page.url()).not.toBe(before);
    await smtp.waitFor(2, 15_000);
    expect(await modelsOf(app.core).Contact.countDocuments({ identities: 'email:nina.novak@example.com' })).toBe(1);
    const tickets = await modelsOf(app.core).Ticket.find({ 'replyTo.email': 'nina.novak@example.com' }).lean();
    expect(tickets).toHaveLength(2);
    expect(String(tickets[0]!.contactId)).toBe(String(tickets[1]!.contactId));
  });

  it('an SMS conversation: a phone number, delivered by Twilio; the answer lands in it; a second start names the open ticket', async () => {
    await page.goto(`${app.url}/console/#/`);
    await page.click('[data-testid=new-conversation]');
    await page.waitForSelector('[data-testid=new-conversation-dialog]');
    await page.selectOption('[data-testid=new-conv-inbox]', smsInboxId);
    expect(await page.textContent('[data-testid=new-conv-hint]')).toContain('International format');
    expect(await page.locator('.new-conv-files').count()).toBe(0);
    await page.fill('[data-testid=new-conv-to]', '11 98765-4321');
    await page.fill('[data-testid=new-conv-text]', 'Olá Rita! Seu técnico chega amanhã às 9h.');
    await page.click('[data-testid=new-conv-send]');
    expect(await page.textContent('[data-testid=new-conv-error]')).toContain('international format');
    await page.fill('[data-testid=new-conv-to]', '+55 11 98765-4321');
    await page.fill('[data-testid=new-conv-name]', 'Rita Lopes');
    await screenshot(page, 'new-conversation-sms-dialog.png');
    await page.click('[data-testid=new-conv-send]');

    await page.waitForSelector('[data-testid=ticket-view]');
    await page.waitForSelector('[data-testid=message][data-direction=outbound]');
    const ticketId = (await page.getAttribute('[data-testid=ticket-view]', 'data-ticket-id'))!;
    const ticket = (await modelsOf(app.core).Ticket.findById(ticketId).lean())!;
    expect(ticket).toMatchObject({ channel: 'sms', subject: 'Olá Rita! Seu técnico chega amanhã às 9h.', replyTo: { phone: '+5511987654321', conversationId: '+5511987654321' } });
    const [sms] = await twilio.waitForMessages(1);
    expect(sms).toMatchObject({ to: '+5511987654321', from: SMS_NUMBER, body: 'Olá Rita! Seu técnico chega amanhã às 9h.' });

    // Rita answers by SMS (what the Twilio webhook's mapper hands to ingest): the same ticket, live.
    await app.core.ingest.accept([smsEvent(smsInboxId, { sid: `SM-e2e-${Date.now()}`, from: '+5511987654321', text: 'Perfeito, estarei em casa.' })]);
    await app.core.ingest.drain();
    await page.waitForSelector('[data-testid=message][data-direction=inbound]');
    expect(await page.textContent('[data-testid=thread]')).toContain('Perfeito, estarei em casa.');
    await screenshot(page, 'new-conversation-sms-answered.png');

    // Another start to Rita's number while this ticket is open: refused, with a link to it.
    await page.click('[data-testid=new-conversation]');
    await page.selectOption('[data-testid=new-conv-inbox]', smsInboxId);
    await page.fill('[data-testid=new-conv-to]', '+5511987654321');
    await page.fill('[data-testid=new-conv-text]', 'Mais uma coisa');
    await page.click('[data-testid=new-conv-send]');
    await page.waitForSelector('[data-testid=new-conv-open-ticket]');
    expect(await page.textContent('[data-testid=new-conv-error]')).toContain(`ticket #${ticket.number}`);
    await screenshot(page, 'new-conversation-sms-open.png');
    await page.click('[data-testid=new-conv-open-ticket]');
    await expect.poll(() => page.locator('[data-testid=new-conversation-dialog]').count()).toBe(0);
    expect(await modelsOf(app.core).Ticket.countDocuments({ inboxId: smsInboxId })).toBe(1);
  });
});
