import { describe, expect, it } from 'vitest';
import { parseEmailSettings } from '../../../src/channels/email/adapter.js';
import { EmailInboxSettingsSchema, loopValueOf } from '../../../src/channels/email/settings.js';
import { ChannelError } from '../../../src/core/errors/app-error.js';

const minimal = {
  imap: { host: 'imap.example.com', user: 'support@example.com', password: 's3cret' },
  smtp: { host: 'smtp.example.com' },
  fromAddress: 'support@example.com',
};

describe('email inbox settings', () => {
  it('fills sensible defaults', () => {
    expect(EmailInboxSettingsSchema.parse(minimal)).toEqual({
      imap: { host: 'imap.example.com', port: 993, secure: true, user: 'support@example.com', password: 's3cret', mailbox: 'INBOX', tlsRejectUnauthorized: true },
      smtp: { host: 'smtp.example.com', port: 587, secure: false, tlsRejectUnauthorized: true },
      fromAddress: 'support@example.com',
      replyToStyle: 'none',
      appendToSent: false,
      sentMailbox: 'Sent',
      pollIntervalSeconds: 60,
      rateLimitPerSenderPerHour: 20,
      importExisting: true,
    });
  });

  it('accepts ports as strings (form posts)', () => {
    expect(EmailInboxSettingsSchema.parse({ ...minimal, imap: { ...minimal.imap, port: '143', secure: false } }).imap.port).toBe(143);
  });

  it.each([
    ['no IMAP password', { ...minimal, imap: { ...minimal.imap, password: '' } }, 'imap.password'],
    ['bad from address', { ...minimal, fromAddress: 'support' }, 'fromAddress'],
    ['port out of range', { ...minimal, smtp: { host: 'x', port: 70000 } }, 'smtp.port'],
    ['reply-to address style without address', { ...minimal, replyToStyle: 'address' }, 'replyToAddress'],
    ['unknown reply-to style', { ...minimal, replyToStyle: 'sometimes' }, 'replyToStyle'],
    ['Sent copies into the mailbox that is read', { ...minimal, appendToSent: true, sentMailbox: 'inbox' }, 'sentMailbox'],
  ])('rejects %s, naming the field but never its value', (_label, input, field) => {
    let caught: unknown;
    try {
      parseEmailSettings(input);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ChannelError);
    expect(caught).toMatchObject({ code: 'EMAIL_SETTINGS_INVALID', retryable: false });
    expect((caught as Error).message).toContain(field);
    expect((caught as Error).message).not.toContain('s3cret');
  });

  it('X-Loop value is the loop token or the from address, lower-cased', () => {
    expect(loopValueOf({ fromAddress: 'Support@Example.com' })).toBe('support@example.com');
    expect(loopValueOf({ fromAddress: 'a@b.c', loopToken: 'Ponte-Inbox-7' })).toBe('ponte-inbox-7');
  });
});
