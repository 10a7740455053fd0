import type { CallStatus, InboundEventInput } from '../../core/domain/inbound-event.js';
import { WebhookPayloadError } from '../../core/domain/channel-webhook.js';
import { field, type TwilioParams } from './form-body.js';
import { customerHandle, isStatusCallback, mapSmsWebhook } from './sms-mapper.js';
import type { CallbackStep } from './voice-twiml.js';

/**
 * Pure: a Twilio voice webhook's fields → events. The call itself is a `message.received` keyed
 * `call:<CallSid>` (a call entry, status `ringing`); each later step is a `call.updated` of that entry:
 * `call:<CallSid>:dial`, `…:voicemail`, `…:recording:<RecordingSid>`, `…:transcription`,
 * `…:status:<CallStatus>`. SMS status callbacks of the voice number's text replies are SMS events.
 */

/** Which step of a call a request is (`cb` query we put on every callback URL; none = a new call). */
export function voiceStep(query: URLSearchParams): CallbackStep | 'call' {
  const cb = query.get('cb');
  return cb === 'dial' || cb === 'record' || cb === 'recording' || cb === 'transcription' || cb === 'status'
    ? cb
    : 'call';
}

/** Twilio's call statuses (status callbacks of call-backs) → a call entry's status; others say nothing new. */
const CALL_STATUS: Readonly<Record<string, CallStatus>> = {
  'in-progress': 'in-progress',
  completed: 'answered',
  busy: 'missed',
  'no-answer': 'missed',
  canceled: 'missed',
  failed: 'failed',
};

const seconds = (v: string): number | undefined => {
  const n = Number(v);
  return v !== '' && Number.isInteger(n) && n >= 0 ? n : undefined;
};

export function mapVoiceWebhook(
  inboxId: string,
  params: TwilioParams,
  query: URLSearchParams,
  now = new Date(),
): InboundEventInput[] {
  const step = voiceStep(query);
  if (step === 'status' && field(params, 'MessageSid') && isStatusCallback(params, query))
    return mapSmsWebhook(inboxId, params, query, now);
  const callSid = field(params, 'CallSid');
  if (!/^CA[0-9a-fA-F]{32}$/.test(callSid)) throw new WebhookPayloadError('no CallSid');
  const caller = customerHandle(query.get('caller') || field(params, 'From'));
  if (!caller) throw new WebhookPayloadError('no caller');
  const update = (key: string, fields: Record<string, unknown>): InboundEventInput[] => [
    {
      type: 'call.updated',
      providerKey: `call:${callSid}:${key}`,
      inboxId,
      occurredAt: now,
      providerMessageId: callSid,
      conversationId: caller,
      ...fields,
    } as InboundEventInput,
  ];

  switch (step) {
    case 'call': {
      const to = field(params, 'To');
      return [
        {
          type: 'message.received',
          providerKey: `call:${callSid}`,
          inboxId,
          occurredAt: now,
          providerMessageId: callSid,
          sender: { handle: caller, ...(caller.startsWith('+') ? { phone: caller } : {}), ...callerName(params) },
          text: `Call from ${caller}`,
          attachments: [],
          threading: { conversationId: caller },
          call: { direction: 'inbound', status: 'ringing', from: caller, to: customerHandle(to) },
        },
      ];
    }
    case 'dial': {
      const dialStatus = field(params, 'DialCallStatus');
      const answered = dialStatus === 'completed' || dialStatus === 'answered';
      const duration = seconds(field(params, 'DialCallDuration'));
      return update('dial', {
        status: answered ? 'answered' : 'missed',
        ...(answered && duration !== undefined ? { durationSeconds: duration } : {}),
      });
    }
    case 'record': {
      // The caller hung up before saying anything: a missed call, not a voicemail.
      const length = seconds(field(params, 'RecordingDuration')) ?? 0;
      return update('voicemail', { status: field(params, 'RecordingUrl') && length > 0 ? 'voicemail' : 'missed' });
    }
    case 'recording': {
      const recordingSid = field(params, 'RecordingSid');
      const url = field(params, 'RecordingUrl');
      if (field(params, 'RecordingStatus') !== 'completed' || !url || !/^RE[0-9a-fA-F]{32}$/.test(recordingSid))
        return [];
      const length = seconds(field(params, 'RecordingDuration'));
      return update(`recording:${recordingSid}`, {
        status: 'voicemail',
        ...(length !== undefined ? { durationSeconds: length } : {}),
        // Twilio serves a recording as WAV, or as MP3 with the extension: smaller, and plays everywhere.
        attachments: [
          { fileName: `voicemail-${recordingSid}.mp3`, mimeType: 'audio/mpeg', size: 0, remoteRef: `${url}.mp3` },
        ],
      });
    }
    case 'transcription': {
      const status = field(params, 'TranscriptionStatus');
      const text = field(params, 'TranscriptionText');
      if (status === 'completed') return update('transcription', { transcription: text });
      return update('transcription', { text: '[voicemail transcription failed]' });
    }
    case 'status': {
      const callStatus = field(params, 'CallStatus');
      const status = CALL_STATUS[callStatus];
      if (!status) return [];
      const duration = seconds(field(params, 'CallDuration'));
      return update(`status:${callStatus}`, {
        status,
        ...(status === 'answered' && duration !== undefined ? { durationSeconds: duration } : {}),
      });
    }
  }
}

/** Twilio's caller-name lookup (CNAM), when the number has it enabled. */
function callerName(params: TwilioParams): { displayName?: string } {
  const name = field(params, 'CallerName').trim();
  return name ? { displayName: name.slice(0, 200) } : {};
}
