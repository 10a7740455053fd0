import pino from 'pino';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { SmtpSender, type EmailOutboundMessage } from '../../../src/channels/email/smtp-sender.js';
import { ChannelError } from '../../../src/core/errors/app-error.js';

/** Composition only (no network): what goes on the wire. Delivery is in imap-smtp.test.ts. */
const sender = (over: Partial<ConstructorParameters<typeof SmtpSender>[0]> = {}) =>
  new SmtpSender({
    smtp: { host: '127.0.0.1', port: 25, secure: false, tlsRejectUnauthorized: true },
    fromAddress: 'support@ponte.test',
    fromName: 'Suporte Ponte',
    loopValue: 'support@ponte.test',
    logger: pino({ level: 'silent' }),
    now: () => new Date('2025-02-03T10:00:00Z'),
    ...over,
  });

const out = (over: Partial<EmailOutboundMessage> = {}): EmailOutboundMessage => ({
  messageId: 'm1',
  ticketId: 't1',
  ticketNumber: 42,
  inboxId: 'i1',
  to: { handle: 'cliente@example.com.br', displayName: 'José da Silva' },
  subject: 'RE: Res: Nota fiscal',
  text: 'Segue a nota.',
  attachments: [],
  threading: {
    messageId: '<ponte.abc@ponte.test>',
    inReplyTo: '<c2@example.com.br>',
    references: ['<c1@example.com.br>', '<c2@example.com.br>', 'not-an-id'],
  },
  ...over,
});

describe('SmtpSender.compose', () => {
  it('builds the reply headers', async () => {
    const c = await sender({ replyTo: () => 'support+t42.sig@ponte.test' }).compose(out());
    expect(c.envelope).toEqual({ from: 'support@ponte.test', to: ['cliente@example.com.br'] });
    expect(c.messageId).toBe('<ponte.abc@ponte.test>');
    const m = await simpleParser(c.raw);
    expect(m.subject).toBe('Re: Nota fiscal [#42]');
    expect(m.messageId).toBe('<ponte.abc@ponte.test>');
    expect(m.inReplyTo).toBe('<c2@example.com.br>');
    expect(m.references).toEqual(['<c1@example.com.br>', '<c2@example.com.br>']);
    expect(m.replyTo?.value[0]?.address).toBe('support+t42.sig@ponte.test');
    expect(m.from?.text).toBe('"Suporte Ponte" <support@ponte.test>');
    expect(m.headers.get('x-loop')).toBe('support@ponte.test');
    expect(m.headers.has('auto-submitted')).toBe(false);
    expect(m.date?.toISOString()).toBe('2025-02-03T10:00:00.000Z');
    expect(m.text?.trim()).toBe('Segue a nota.');
  });

  it('adds In-Reply-To to References and keeps the thread root when long', async () => {
    const refs = Array.from({ length: 80 }, (_, i) => `<r${i}@x>`);
    const m = await simpleParser((await sender().compose(out({ threading: { inReplyTo: '<last@x>', references: refs } }))).raw);
    const list = m.references as string[];
    expect(list).toHaveLength(50);
    expect(list[0]).toBe('<r0@x>');
    expect(list.at(-1)).toBe('<last@x>');
  });

  it('a first message has no Re: and gets a Message-ID of ours when none is given', async () => {
    const c = await sender().compose(out({ subject: 'Sua solicitação', threading: {} }));
    const m = await simpleParser(c.raw);
    expect(m.subject).toBe('Sua solicitação [#42]');
    expect(c.messageId).toMatch(/^<ponte\.[0-9a-f]{32}@ponte\.test>$/);
    expect(m.inReplyTo).toBeUndefined();
  });

  it('automatic mails say so (RFC 3834)', async () => {
    const m = await simpleParser((await sender().compose(out({ automatic: true }))).raw);
    expect(m.headers.get('auto-submitted')).toBe('auto-replied');
    expect(m.headers.get('x-auto-response-suppress')).toBe('All');
  });

  it('encodes non-ASCII attachment names and keeps the bytes', async () => {
    const content = Buffer.from([0, 1, 2, 250, 251, 252]);
    const m = await simpleParser(
      (await sender().compose(out({ attachments: [{ fileName: 'ação – relatório.bin', mimeType: 'application/octet-stream', size: 6, content }] }))).raw,
    );
    expect(m.attachments[0]?.filename).toBe('ação – relatório.bin');
    expect(m.attachments[0]?.content.equals(content)).toBe(true);
  });

  it('refuses a recipient that is not an email address, permanently', async () => {
    const e = await sender().compose(out({ to: { handle: '+5511999999999' } })).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ChannelError);
    expect(e).toMatchObject({ code: 'INVALID_RECIPIENT', retryable: false });
  });
});
