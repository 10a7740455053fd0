import { describe, expect, it } from 'vitest';
import { deliveryReportToStatusEvent, parseDeliveryReport } from '../../../src/channels/email/dsn.js';
import { MessageStatusSchema } from '../../../src/core/domain/inbound-event.js';

const OUR_ID = '<ponte.65f1c2a9e4b0a1d2c3e4f5ae.AAAAAAAAAAAAAAAA.0123456789abcdef0123456789abcdef@ponte.test>';

function report(opts: { status: string; original?: string; topHeaders?: string; reportType?: string; statusType?: string }): Buffer {
  const original = opts.original ?? `From: support@ponte.test\r\nMessage-ID: ${OUR_ID}\r\nReferences: <root@x.example> <mid@x.example>\r\nSubject: Re: Hi [#7]\r\n\r\nbody\r\n`;
  return Buffer.from(
    [
      'From: MAILER-DAEMON@mx.example.net',
      'To: support@ponte.test',
      'Message-ID: <dsn-1@mx.example.net>',
      'Subject: Returned mail',
      ...(opts.topHeaders ? [opts.topHeaders] : []),
      `Content-Type: multipart/report; report-type=${opts.reportType ?? 'delivery-status'}; boundary="RB"`,
      '',
      '--RB',
      'Content-Type: text/plain',
      '',
      'Delivery failed.',
      '--RB',
      `Content-Type: ${opts.statusType ?? 'message/delivery-status'}`,
      '',
      opts.status,
      '--RB',
      'Content-Type: message/rfc822',
      '',
      original,
      '--RB--',
      '',
    ].join('\r\n'),
  );
}

describe('parseDeliveryReport', () => {
  it('finds the original Message-ID, references, status and diagnostic', () => {
    const r = parseDeliveryReport(
      report({
        status: 'Reporting-MTA: dns; mx.example.net\r\n\r\nFinal-Recipient: rfc822; a@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\r\n',
      }),
    );
    expect(r).toMatchObject({
      originalMessageId: OUR_ID,
      originalFrom: 'message/rfc822',
      originalReferences: ['<root@x.example>', '<mid@x.example>'],
      originalSubject: 'Re: Hi [#7]',
      reportingMta: 'mx.example.net',
      failed: true,
      recipients: [{ recipient: 'a@example.org', action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 User unknown' }],
    });
    expect(r?.reason).toBe('Delivery to a@example.org failed (5.1.1): 550 5.1.1 User unknown');
  });

  it('with several recipients, reports only the failed ones and is failed if any failed', () => {
    const r = parseDeliveryReport(
      report({
        status: [
          'Reporting-MTA: dns; mx.example.net',
          '',
          'Final-Recipient: rfc822; ok@example.org',
          'Action: delivered',
          'Status: 2.0.0',
          '',
          'Final-Recipient: rfc822; bad@example.org',
          'Action: failed',
          'Status: 5.2.2',
          'Diagnostic-Code: smtp; 552 5.2.2 Mailbox full',
          '',
        ].join('\r\n'),
      }),
    );
    expect(r?.failed).toBe(true);
    expect(r?.recipients).toHaveLength(2);
    expect(r?.reason).toBe('Delivery to bad@example.org failed (5.2.2): 552 5.2.2 Mailbox full');
  });

  it.each([
    ['delayed', 'Action: delayed\r\nStatus: 4.4.1'],
    ['delivered', 'Action: delivered\r\nStatus: 2.0.0'],
    ['relayed', 'Action: relayed\r\nStatus: 2.0.0'],
  ])('a %s notice is not a failure', (_label, fields) => {
    const r = parseDeliveryReport(report({ status: `Reporting-MTA: dns; mx\r\n\r\nFinal-Recipient: rfc822; a@example.org\r\n${fields}\r\n` }));
    expect(r?.failed).toBe(false);
    expect(deliveryReportToStatusEvent(r!, { inboxId: 'i1', raw: Buffer.from('x'), occurredAt: new Date() })).toBeUndefined();
  });

  it('without Action, a 5.x.x status is permanent', () => {
    const r = parseDeliveryReport(report({ status: 'Reporting-MTA: dns; mx\r\n\r\nFinal-Recipient: rfc822; a@example.org\r\nStatus: 5.0.0\r\n' }));
    expect(r?.failed).toBe(true);
  });

  it('falls back to Original-Message-ID, then to the report’s own In-Reply-To', () => {
    const noOriginal = 'From: x@y\r\nSubject: no id\r\n\r\nbody\r\n';
    const status = 'Reporting-MTA: dns; mx\r\nOriginal-Message-ID: <orig-1@ponte.test>\r\n\r\nFinal-Recipient: rfc822; a@b.example\r\nAction: failed\r\nStatus: 5.1.1\r\n';
    expect(parseDeliveryReport(report({ status, original: noOriginal }))).toMatchObject({
      originalMessageId: '<orig-1@ponte.test>',
      originalFrom: 'original-message-id',
    });
    const plain = 'Reporting-MTA: dns; mx\r\n\r\nFinal-Recipient: rfc822; a@b.example\r\nAction: failed\r\nStatus: 5.1.1\r\n';
    expect(
      parseDeliveryReport(report({ status: plain, original: noOriginal, topHeaders: 'In-Reply-To: <orig-2@ponte.test>\r\nReferences: <root-2@x> <orig-2@ponte.test>' })),
    ).toMatchObject({ originalMessageId: '<orig-2@ponte.test>', originalFrom: 'in-reply-to', originalReferences: ['<root-2@x>', '<orig-2@ponte.test>'] });
  });

  it('reads RFC 6533 message/global-delivery-status', () => {
    const r = parseDeliveryReport(
      report({ statusType: 'message/global-delivery-status', status: 'Reporting-MTA: dns; mx\r\n\r\nFinal-Recipient: utf-8; josé@exemplo.br\r\nAction: failed\r\nStatus: 5.1.1\r\n' }),
    );
    expect(r?.recipients[0]?.recipient).toBe('josé@exemplo.br');
    expect(r?.originalMessageId).toBe(OUR_ID);
  });

  it('is undefined for a mail that is not a report (unless told it is a plain bounce)', () => {
    const mail = Buffer.from('From: a@b.example\r\nSubject: hi\r\n\r\nMessage-ID: <looks-like@header>\r\n');
    expect(parseDeliveryReport(mail)).toBeUndefined();
    expect(parseDeliveryReport(mail, { plainTextBounce: true })).toMatchObject({ originalMessageId: '<looks-like@header>', originalFrom: 'body' });
  });

  it('a plain bounce without any returned Message-ID is undefined', () => {
    expect(parseDeliveryReport(Buffer.from('From: MAILER-DAEMON@x\r\n\r\nSorry.\r\n'), { plainTextBounce: true })).toBeUndefined();
  });
});

describe('deliveryReportToStatusEvent', () => {
  const r = parseDeliveryReport(
    report({ status: 'Reporting-MTA: dns; mx\r\n\r\nFinal-Recipient: rfc822; a@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 nope\r\n' }),
  )!;

  it('marks our outbound message failed, keyed apart from the bounce mail itself', () => {
    const occurredAt = new Date('2025-01-01T00:00:00Z');
    const e = deliveryReportToStatusEvent(r, { inboxId: 'i1', reportMessageId: '<dsn-1@mx.example.net>', raw: Buffer.from('x'), occurredAt });
    expect(e).toEqual({
      type: 'message.status',
      providerKey: 'mail:i1:dsn:dsn-1@mx.example.net',
      inboxId: 'i1',
      occurredAt,
      providerMessageId: OUR_ID,
      status: 'failed',
      reason: 'Delivery to a@example.org failed (5.1.1): 550 nope',
    });
    expect(MessageStatusSchema.safeParse(e).success).toBe(true);
  });

  it('keys a report without Message-ID by the hash of its bytes', () => {
    const e = deliveryReportToStatusEvent(r, { inboxId: 'i1', raw: Buffer.from('abc'), occurredAt: new Date() });
    expect(e?.providerKey).toBe('mail:i1:dsn:sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('keeps the reason within the schema limit', () => {
    const long = `Reporting-MTA: dns; mx\r\n${Array.from({ length: 60 }, (_, i) => `\r\nFinal-Recipient: rfc822; user${i}@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 ${'x'.repeat(60)}`).join('\r\n')}\r\n`;
    const big = parseDeliveryReport(report({ status: long }))!;
    const e = deliveryReportToStatusEvent(big, { inboxId: 'i1', raw: Buffer.from('x'), occurredAt: new Date() });
    expect(e?.reason?.length).toBeLessThanOrEqual(2000);
    expect(MessageStatusSchema.safeParse(e).success).toBe(true);
  });
});
