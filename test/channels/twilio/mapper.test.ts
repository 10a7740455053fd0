import { describe, expect, it } from 'vitest';
import { InboundEventSchema } from '../../../src/core/domain/inbound-event.js';
import { isForward } from '../../../src/core/ingest/status-processor.js';
import { rewriteTwilioUrl, isTwilioUrl } from '../../../src/channels/twilio/client.js';
import { describeTwilioError, toChannelError } from '../../../src/channels/twilio/error-codes.js';
import { parseFormBody } from '../../../src/channels/twilio/form-body.js';
import { WebhookPayloadError } from '../../../src/core/domain/channel-webhook.js';
import { consentKeyword } from '../../../src/channels/twilio/opt-out.js';
import { parseTwilioSettings } from '../../../src/channels/twilio/settings.js';
import { mapSmsWebhook } from '../../../src/channels/twilio/sms-mapper.js';
import { mapVoiceWebhook } from '../../../src/channels/twilio/voice-mapper.js';
import { answerCall } from '../../../src/channels/twilio/voice-twiml.js';
import { ACCOUNT_SID, fixture } from './twilio-hub.js';

const at = new Date('2026-12-03T17:00:00Z');
const q = (s = '') => new URLSearchParams(s);
const valid = (events: unknown[]) => events.map((e) => InboundEventSchema.parse(e));

describe('SMS mapper (fixtures)', () => {
  it('an SMS → message.received keyed sms:<MessageSid>, sender in E.164, conversation = the customer', () => {
    const p = fixture('sms-inbound');
    const [e, ...rest] = valid(mapSmsWebhook('inbox1', p, q(), at));
    expect(rest).toEqual([]);
    expect(e).toMatchObject({
      type: 'message.received',
      providerKey: `sms:${p.MessageSid}`,
      providerMessageId: p.MessageSid,
      sender: { handle: '+5511987654321', phone: '+5511987654321' },
      text: 'Olá! Meu pedido #4411 não chegou ainda. Podem verificar?',
      attachments: [],
      threading: { conversationId: '+5511987654321' },
    });
  });

  it('an MMS with two media → two attachments announced by reference (fetched later)', () => {
    const p = fixture('mms-inbound-2-media');
    const [e] = valid(mapSmsWebhook('inbox1', p, q(), at));
    expect(e!.type === 'message.received' && e!.attachments).toEqual([
      { fileName: 'media-1.jpg', mimeType: 'image/jpeg', size: 0, remoteRef: p.MediaUrl0 },
      { fileName: 'media-2.pdf', mimeType: 'application/pdf', size: 0, remoteRef: p.MediaUrl1 },
    ]);
  });

  it('status callbacks: one event per status, undelivered → failed with the human reason, queued → nothing', () => {
    const sid = 'SM' + 'a'.repeat(32);
    expect(mapSmsWebhook('i', fixture('sms-status-queued', { MessageSid: sid }), q('cb=status'), at)).toEqual([]);
    expect(valid(mapSmsWebhook('i', fixture('sms-status-delivered', { MessageSid: sid }), q(), at))).toEqual([
      {
        type: 'message.status',
        providerKey: `sms:${sid}:status:delivered`,
        inboxId: 'i',
        occurredAt: at,
        providerMessageId: sid,
        status: 'delivered',
      },
    ]);
    const [failed] = valid(
      mapSmsWebhook('i', fixture('sms-status-undelivered-30003', { MessageSid: sid }), q('cb=status'), at),
    );
    expect(failed).toMatchObject({
      status: 'failed',
      reason: 'Twilio 30003: the phone is unreachable (off, or out of coverage)',
    });
    const optedOut = mapSmsWebhook(
      'i',
      { ...fixture('sms-status-undelivered-30003', { MessageSid: sid }), ErrorCode: '21610', MessageStatus: 'failed' },
      q('cb=status'),
      at,
    );
    expect(optedOut[1]).toMatchObject({ type: 'contact.consent', identityKey: 'phone:+5511987654321', optedOut: true });
  });

  it('a failure reason of any length is kept, cut to what agents read: the status is never refused for it', () => {
    const sid = 'SM' + 'b'.repeat(32);
    const long = { ...fixture('sms-status-undelivered-30003', { MessageSid: sid }), ErrorCode: '39999', ErrorMessage: 'carrier said: '.repeat(400) };
    const [failed] = valid(mapSmsWebhook('i', long, q('cb=status'), at));
    expect(failed).toMatchObject({ type: 'message.status', status: 'failed' });
    const reason = (failed as { reason: string }).reason;
    expect(reason.length).toBe(2000);
    expect(reason.endsWith('…')).toBe(true);
  });

  it('STOP / PARAR / BAJA / START → a consent event beside the message', () => {
    for (const [body, optedOut] of [
      ['PARAR', true],
      ['stop', true],
      ['Baja.', true],
      ['cancelar', true],
      ['START', false],
      ['UNSTOP', false],
    ] as const) {
      const events = valid(mapSmsWebhook('i', fixture('sms-stop', { Body: body }), q(), at));
      expect(events.map((e) => e.type)).toEqual(['message.received', 'contact.consent']);
      expect(events[1]).toMatchObject({
        identityKey: 'phone:+5511987654321',
        conversationId: '+5511987654321',
        channel: 'sms',
        optedOut,
      });
    }
    expect(mapSmsWebhook('i', fixture('sms-stop', { Body: 'please stop calling me' }), q(), at)).toHaveLength(1);
    expect(consentKeyword('anything', 'STOP')).toBe('out');
  });

  it('a body without MessageSid is malformed', () => {
    expect(() => mapSmsWebhook('i', { Body: 'x' }, q(), at)).toThrow(/MessageSid/);
  });
});

describe('voice mapper (fixtures)', () => {
  it('a new call → a call entry; later steps → call.updated of the same call, in its conversation', () => {
    const call = fixture('voice-incoming-call');
    const [e] = valid(mapVoiceWebhook('v', call, q(), at));
    expect(e).toMatchObject({
      type: 'message.received',
      providerKey: `call:${call.CallSid}`,
      call: { direction: 'inbound', status: 'ringing', from: '+5511987654321', to: '+5511999991111' },
      threading: { conversationId: '+5511987654321' },
    });
    const caller = 'cb=%s&caller=%2B5511987654321';
    const step = (name: string, cb: string) =>
      valid(mapVoiceWebhook('v', fixture(name), q(caller.replace('%s', cb)), at))[0];
    expect(step('voice-dial-no-answer', 'dial')).toMatchObject({
      type: 'call.updated',
      providerKey: `call:${call.CallSid}:dial`,
      status: 'missed',
    });
    expect(step('voice-record-action', 'record')).toMatchObject({ status: 'voicemail' });
    const rec = fixture('voice-recording-status');
    expect(step('voice-recording-status', 'recording')).toMatchObject({
      providerKey: `call:${call.CallSid}:recording:${rec.RecordingSid}`,
      conversationId: '+5511987654321',
      durationSeconds: 14,
      attachments: [
        { fileName: `voicemail-${rec.RecordingSid}.mp3`, mimeType: 'audio/mpeg', remoteRef: `${rec.RecordingUrl}.mp3` },
      ],
    });
    expect(step('voice-transcription', 'transcription')).toMatchObject({
      transcription: expect.stringContaining('order 4411'),
    });
  });

  it('a SIP caller (no phone number, longer than one) is a call entry like any other', () => {
    const sip = 'sip:alice.longname@pbx.customer-company.example.com';
    const call = { ...fixture('voice-incoming-call'), From: sip, To: 'sip:support-desk@ponte-trunk.example.net' };
    const [e] = valid(mapVoiceWebhook('v', call, q(), at));
    expect(e).toMatchObject({ type: 'message.received', call: { direction: 'inbound', status: 'ringing' } });
    expect((e as { call: { from: string } }).call.from.length).toBeGreaterThan(40);
  });

  it('the greeting speaks the inbox language; without a forward number the call goes straight to voicemail', () => {
    const settings = parseTwilioSettings('voice', {
      accountSid: ACCOUNT_SID,
      authToken: 'x'.repeat(32),
      phoneNumber: '+5511999991111',
      language: 'es-ES',
    });
    const twiml = answerCall(settings, 'https://h.example/webhooks/voice/v1', '+5511987654321');
    expect(twiml).toContain('<Say voice="Polly.Lucia" language="es-ES">¡Hola! Gracias por llamar.</Say>');
    expect(twiml).not.toContain('<Dial');
    expect(twiml).toContain('action="https://h.example/webhooks/voice/v1?cb=record&amp;caller=%2B5511987654321"');
    expect(twiml).toContain(
      'transcribeCallback="https://h.example/webhooks/voice/v1?cb=transcription&amp;caller=%2B5511987654321"',
    );
  });
});

describe('Twilio helpers', () => {
  it('settings: a number or a Messaging Service; bad SIDs named', () => {
    expect(() => parseTwilioSettings('sms', { accountSid: ACCOUNT_SID, authToken: 'x'.repeat(32) })).toThrow(
      /phoneNumber/,
    );
    expect(() =>
      parseTwilioSettings('sms', { accountSid: 'AC1', authToken: 'x'.repeat(32), phoneNumber: '+5511999990000' }),
    ).toThrow(/accountSid/);
    expect(
      parseTwilioSettings('sms', {
        accountSid: ACCOUNT_SID,
        authToken: 'x'.repeat(32),
        messagingServiceSid: 'MG' + 'b'.repeat(32),
        publicUrl: '',
      }),
    ).toMatchObject({
      messagingServiceSid: 'MG' + 'b'.repeat(32),
    });
  });

  it('URLs of Twilio hosts go to the configured base; credentials only to Twilio', () => {
    expect(
      rewriteTwilioUrl('https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?x=1', 'http://127.0.0.1:9/'),
    ).toBe('http://127.0.0.1:9/2010-04-01/Accounts/AC1/Messages.json?x=1');
    expect(rewriteTwilioUrl('https://messaging.twilio.com/v1/Services', undefined)).toBe(
      'https://messaging.twilio.com/v1/Services',
    );
    expect(rewriteTwilioUrl('https://evil.example/x', 'http://127.0.0.1:9')).toBe('https://evil.example/x');
    expect(isTwilioUrl('https://api.twilio.com/x', undefined)).toBe(true);
    expect(isTwilioUrl('http://api.twilio.com/x', undefined)).toBe(false);
    expect(isTwilioUrl('https://api.twilio.com.evil.example/x', undefined)).toBe(false);
  });

  it('REST errors → ChannelError: opted out and invalid are permanent, rate limits and 5xx are retried', () => {
    expect(toChannelError({ status: 400, code: 21610, message: 'unsubscribed' })).toMatchObject({
      code: 'RECIPIENT_OPTED_OUT',
      retryable: false,
    });
    expect(toChannelError({ status: 400, code: 21211, message: 'invalid' })).toMatchObject({
      code: 'INVALID_RECIPIENT',
      retryable: false,
    });
    expect(toChannelError({ status: 429, code: 20429, message: 'Too Many Requests' })).toMatchObject({
      code: 'RATE_LIMITED',
      retryable: true,
    });
    expect(toChannelError({ status: 503, code: 20500, message: 'down' })).toMatchObject({ retryable: true });
    expect(toChannelError({ status: 401, code: 20003, message: 'Authenticate' })).toMatchObject({
      code: 'AUTH_FAILED',
      retryable: false,
    });
    expect(toChannelError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toMatchObject({
      code: 'TWILIO_UNREACHABLE',
      retryable: true,
    });
    expect(describeTwilioError('30007')).toBe('Twilio 30007: filtered by the carrier as spam');
    expect(describeTwilioError('39999', 'Something new')).toBe('Twilio 39999: Something new');
  });

  it('a rate limit waits the delivery worker\'s growing backoff, not a fixed second that spends every attempt at once', () => {
    const err = toChannelError({ status: 429, code: 20429, message: 'Too Many Requests' });
    expect(err.retryable).toBe(true);
    expect(err.retryAfterMs).toBeUndefined();
  });

  it('form bodies: parsed from the raw bytes, repeated fields kept; JSON refused', () => {
    expect(
      parseFormBody(Buffer.from('Body=a%2Bb+c&MediaUrl=1&MediaUrl=2'), 'application/x-www-form-urlencoded'),
    ).toEqual({ Body: 'a+b c', MediaUrl: ['1', '2'] });
    expect(() => parseFormBody(Buffer.from('{}'), 'application/json')).toThrow();
  });

  it('form bodies: names of Object.prototype are fields like any other', () => {
    const params = parseFormBody(Buffer.from('__proto__=x&constructor=y&constructor=z&toString=w'), undefined);
    expect(Object.entries(params)).toEqual([
      ['__proto__', 'x'],
      ['constructor', ['y', 'z']],
      ['toString', 'w'],
    ]);
    expect(Object.getPrototypeOf(params)).toBeNull();
  });

  it('form bodies: more fields than any Twilio webhook has are refused at once (parsed before the signature is checked)', () => {
    const form = 'a=&'.repeat(20_000);
    const started = performance.now();
    // Repeated names used to be collected by copying the list on every value: 20,000 took ~20 s of CPU.
    expect(() => parseFormBody(Buffer.from(form), 'application/x-www-form-urlencoded')).toThrow(WebhookPayloadError);
    expect(performance.now() - started).toBeLessThan(1000);
    // A large but plausible body is fine, repeated names kept in order.
    const many = Array.from({ length: 400 }, (_, i) => `MediaUrl=${i}`).join('&');
    expect(parseFormBody(Buffer.from(many), undefined).MediaUrl).toEqual(Array.from({ length: 400 }, (_, i) => String(i)));
  });

  it('delivery status ranks: late "sent" after delivered or failed changes nothing; delivered after failed does', () => {
    expect(isForward('sent', 'delivered')).toBe(true);
    expect(isForward('delivered', 'sent')).toBe(false);
    expect(isForward('failed', 'sent')).toBe(false);
    expect(isForward('failed', 'delivered')).toBe(true);
    expect(isForward('delivered', 'failed')).toBe(true);
    expect(isForward('failed', 'failed')).toBe(false);
  });
});
