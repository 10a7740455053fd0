import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TwilioAdapter } from '../../../src/channels/twilio/adapter.js';
import { testTwilioConnection } from '../../../src/channels/twilio/test-connection.js';
import type { ChannelContext, OutboundMessage } from '../../../src/core/domain/channel-adapter.js';
import type { InboundEventInput } from '../../../src/core/domain/inbound-event.js';
import { ChannelError } from '../../../src/core/errors/app-error.js';
import { sid, startTwilioStandin, type TwilioStandin } from '../../standins/twilio.js';
import { ACCOUNT_SID, AUTH_TOKEN, PUBLIC_URL, SMS_NUMBER } from './twilio-hub.js';

/** The adapter alone against the stand-in: media limits, error mapping, health and "test connection". */
describe('TwilioAdapter', () => {
  let standin: TwilioStandin;
  const emitted: InboundEventInput[] = [];
  const settings = { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, phoneNumber: SMS_NUMBER };
  const ctx = (s: Record<string, unknown> = settings): ChannelContext => ({
    inboxId: 'inbox-a',
    settings: s,
    logger: pino({ level: 'silent' }),
    state: { get: async () => undefined, set: async () => undefined },
    blobs: { put: async () => 'b', get: async () => Buffer.alloc(0), delete: async () => undefined },
    emit: async (events) => {
      emitted.push(...events);
      return { accepted: events.length, duplicates: 0 };
    },
    reportHealth: async () => undefined,
  });
  const out = (to: string, extra: Partial<OutboundMessage> = {}): OutboundMessage => ({
    messageId: 'm' + Math.random().toString(16).slice(2),
    ticketId: 't1',
    ticketNumber: 1,
    inboxId: 'inbox-a',
    to: { handle: to },
    text: 'a'.repeat(500),
    attachments: [],
    threading: {},
    ...extra,
  });
  let adapter: TwilioAdapter;

  beforeAll(async () => {
    standin = await startTwilioStandin({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, numbers: [SMS_NUMBER] });
    adapter = new TwilioAdapter('sms', 'inbox-a', { publicUrl: PUBLIC_URL, apiBaseUrl: standin.url });
    await adapter.start(ctx());
  });
  afterAll(async () => standin?.stop());

  it('sends a long text whole (Twilio segments it) and returns the message SID', async () => {
    const result = await adapter.send(out('+5511912345678'));
    expect(result.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(standin.messages.at(-1)).toMatchObject({ to: '+5511912345678', from: SMS_NUMBER, body: 'a'.repeat(500) });
  });

  it('maps refusals: rate limit retryable, invalid number permanent, files refused clearly', async () => {
    standin.failSendsTo('+5511900000001', { status: 429, code: 20429, message: 'Too Many Requests', times: 1 });
    await expect(adapter.send(out('+5511900000001'))).rejects.toMatchObject({ code: 'RATE_LIMITED', retryable: true });
    standin.failSendsTo('+5511900000002', {
      status: 400,
      code: 21211,
      message: "The 'To' number is not a valid phone number.",
    });
    await expect(adapter.send(out('+5511900000002'))).rejects.toMatchObject({
      code: 'INVALID_RECIPIENT',
      retryable: false,
    });
    const withFile = out('+5511912345678', {
      attachments: [{ fileName: 'a.pdf', mimeType: 'application/pdf', size: 1, content: Buffer.from('x') }],
    });
    await expect(adapter.send(withFile)).rejects.toMatchObject({ code: 'SMS_MEDIA_UNSUPPORTED', retryable: false });
  });

  it('a 21610 refusal reports the opt-out', async () => {
    standin.failSendsTo('+5511900000003', {
      status: 400,
      code: 21610,
      message: 'Attempt to send to unsubscribed recipient',
    });
    const message = out('+5511900000003');
    await expect(adapter.send(message)).rejects.toMatchObject({ code: 'RECIPIENT_OPTED_OUT' });
    expect(emitted.at(-1)).toMatchObject({
      type: 'contact.consent',
      providerKey: `sms:out:${message.messageId}:opted-out`,
      identityKey: 'phone:+5511900000003',
      optedOut: true,
    });
  });

  it('media: fetched with credentials through the redirect; over maxBytes MEDIA_TOO_LARGE; gone MEDIA_GONE', async () => {
    const path = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${sid('MM')}/Media/${sid('ME')}`;
    standin.addMedia(path, Buffer.alloc(2048, 1), 'image/png');
    const ref = { remoteRef: `https://api.twilio.com${path}`, fileName: 'media-1.png', mimeType: 'image/png' };
    expect((await adapter.fetchMedia(ref, 4096)).content.length).toBe(2048);
    const tooLarge = await adapter.fetchMedia(ref, 1000).catch((e: unknown) => e);
    expect(tooLarge).toBeInstanceOf(ChannelError);
    expect(tooLarge).toMatchObject({ code: 'MEDIA_TOO_LARGE', retryable: false });
    await expect(
      adapter.fetchMedia(
        {
          ...ref,
          remoteRef: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${sid('MM')}/Media/${sid('ME')}`,
        },
        4096,
      ),
    ).rejects.toMatchObject({ code: 'MEDIA_GONE' });
    // Never the account's credentials to a host a payload made up.
    await expect(
      adapter.fetchMedia({ ...ref, remoteRef: 'https://attacker.example/steal' }, 4096),
    ).rejects.toMatchObject({ code: 'MEDIA_NOT_TWILIO' });
  });

  it('health and "test connection": the account answers and owns the number; a wrong token is AUTH_FAILED', async () => {
    expect(await adapter.checkHealth()).toMatchObject({ status: 'ok' });
    expect(await testTwilioConnection('sms', settings, standin.url)).toMatchObject({
      ok: true,
      checks: { account: { ok: true }, number: { ok: true } },
    });
    const wrong = await testTwilioConnection('sms', { ...settings, authToken: 'f'.repeat(32) }, standin.url);
    expect(wrong).toMatchObject({ ok: false, checks: { account: { ok: false, code: 'AUTH_FAILED' } } });
    const notOurs = await testTwilioConnection('sms', { ...settings, phoneNumber: '+5511955554444' }, standin.url);
    expect(notOurs).toMatchObject({ ok: false, checks: { number: { ok: false } } });
  });
});
