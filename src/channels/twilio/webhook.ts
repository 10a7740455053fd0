import twilio from 'twilio';
import type { ChannelWebhook, WebhookRequest, WebhookResponse } from '../../core/domain/channel-webhook.js';
import { field, parseFormBody, type TwilioParams } from './form-body.js';
import { parseTwilioSettings, SmsSettingsSchema, VoiceSettingsSchema, type TwilioKind } from './settings.js';
import { mapSmsWebhook } from './sms-mapper.js';
import { mapVoiceWebhook, voiceStep } from './voice-mapper.js';
import { afterDial, afterRecord, answerCall, emptyVoiceResponse } from './voice-twiml.js';

/**
 * The webhook half of the SMS and voice channels (`/webhooks/sms/<inboxId>`, `/webhooks/voice/<inboxId>`).
 * Verification: `twilio.validateRequest` with the inbox's auth token over the exact URL Twilio called (the
 * router's `publicUrl`: the inbox's `publicUrl` setting or the hub's, path and query as received) and the
 * form fields parsed from the raw bytes; the AccountSid in the body must be the inbox's account. `To` is
 * not compared with the inbox's number: a Messaging Service delivers from (and to) any number of its pool.
 */

const xml = (body: string): WebhookResponse => ({ status: 200, contentType: 'text/xml', body });

function verifyTwilio(kind: TwilioKind, req: WebhookRequest): boolean {
  const schema = kind === 'sms' ? SmsSettingsSchema : VoiceSettingsSchema;
  const settings = schema.safeParse(req.settings);
  if (!settings.success) return false;
  const signature = req.headers['x-twilio-signature'];
  if (!signature) return false;
  let params: TwilioParams;
  try {
    params = parseFormBody(req.rawBody, req.headers['content-type']);
  } catch {
    return false;
  }
  if (!twilio.validateRequest(settings.data.authToken, signature, req.publicUrl, params)) return false;
  return field(params, 'AccountSid') === settings.data.accountSid;
}

const paramsOf = (req: WebhookRequest) => parseFormBody(req.rawBody, req.headers['content-type']);

export const smsWebhook: ChannelWebhook = {
  methods: ['POST'],
  verify: (req) => verifyTwilio('sms', req),
  parse: (req) => ({ kind: 'events', events: mapSmsWebhook(req.inboxId, paramsOf(req), req.query) }),
  // An empty TwiML answer: no automatic reply (the agent answers from the console).
  respond: () => xml(new twilio.twiml.MessagingResponse().toString()),
};

export const voiceWebhook: ChannelWebhook = {
  methods: ['POST'],
  verify: (req) => verifyTwilio('voice', req),
  parse: (req) => ({ kind: 'events', events: mapVoiceWebhook(req.inboxId, paramsOf(req), req.query) }),
  respond: (_result, req) => xml(voiceTwiml(req)),
};

/** What Twilio should do next on this call: greet and ring or record, record after a missed ring, hang up. */
function voiceTwiml(req: WebhookRequest): string {
  const settings = parseTwilioSettings('voice', req.settings);
  const params = paramsOf(req);
  const caller = req.query.get('caller') || field(params, 'From');
  switch (voiceStep(req.query)) {
    case 'call':
      return answerCall(settings, req.publicUrl, caller);
    case 'dial': {
      const status = field(params, 'DialCallStatus');
      return afterDial(settings, req.publicUrl, caller, status === 'completed' || status === 'answered');
    }
    case 'record':
      return afterRecord(settings);
    default:
      return emptyVoiceResponse();
  }
}
