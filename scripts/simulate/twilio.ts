/**
 * Twilio webhooks into a running hub, signed with the inbox's auth token over the URL Twilio would call
 * (`--public-url`, default `--hub`: it must be what the hub believes, i.e. its PUBLIC_URL or the inbox's
 * `publicUrl`).
 *
 *   npm run simulate -- twilio <scenario> --inbox <inboxId> --account-sid AC… --auth-token … [options]
 *
 *   sms     [--from +55…] [--text "…"] [--count N]         an SMS inbox
 *   stop    [--from +55…]                                  an SMS inbox: PARAR (opt-out)
 *   status  --sid SM… [--status delivered|sent|undelivered|failed] [--error 30003]
 *   call    [--from +55…] [--voicemail] [--text "transcription"] [--recording]   a voice inbox
 *
 * Options: `--hub http://localhost:3000`, `--to <our number>`, `--count N` (sms: N messages from N customers).
 * `call --voicemail` follows the TwiML the hub answers with: dial outcome no-answer, the recorded voicemail and
 * its transcription. The recording itself is not announced (the hub would download it from Twilio); set
 * `--recording` to announce it too when TWILIO_API_BASE_URL points at a stand-in.
 * The status of an agent's reply: take the SID from the message (`providerMessageId`) in the console/API.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import twilio from 'twilio';

type Params = Record<string, string>;

const sid = (prefix: string) => prefix + randomBytes(16).toString('hex');
const randomBrMobile = () => `+55119${String(Math.floor(10_000_000 + Math.random() * 89_999_999))}`;

export async function run(args: string[]): Promise<void> {
  const [scenario, ...rest] = args;
  const { values: o } = parseArgs({
    args: rest,
    options: {
      hub: { type: 'string', default: 'http://localhost:3000' },
      'public-url': { type: 'string' },
      inbox: { type: 'string' },
      'account-sid': { type: 'string' },
      'auth-token': { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string', default: '+5511999990000' },
      text: { type: 'string' },
      sid: { type: 'string' },
      status: { type: 'string', default: 'delivered' },
      error: { type: 'string' },
      count: { type: 'string', default: '1' },
      voicemail: { type: 'boolean', default: false },
      recording: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (o.help || !scenario || !o.inbox || !o['account-sid'] || !o['auth-token']) {
    throw new Error(
      'usage: npm run simulate -- twilio <sms|status|call|stop> --inbox <id> --account-sid AC… --auth-token … ' +
        '(see scripts/simulate/twilio.ts)',
    );
  }
  const hub = o.hub.replace(/\/+$/, '');
  const publicUrl = (o['public-url'] ?? hub).replace(/\/+$/, '');
  const accountSid = o['account-sid'];
  const token = o['auth-token'];

  /** POSTs like Twilio: form body, X-Twilio-Signature over the public URL; returns the answer's text. */
  const post = async (kind: 'sms' | 'voice', params: Params, query = ''): Promise<string> => {
    const path = `/webhooks/${kind}/${o.inbox}${query}`;
    const signature = twilio.getExpectedTwilioSignature(token, publicUrl + path, params);
    const res = await fetch(hub + path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(params).toString(),
    });
    const body = await res.text();
    console.log(`${res.status} ${kind}${query || ''} ${params.MessageSid ?? params.CallSid ?? ''}`);
    if (res.status !== 200) throw new Error(`the hub answered ${res.status}: ${body}`);
    return body;
  };
  /** The path and query of a callback URL the hub's TwiML named. */
  const queryOf = (twiml: string, attribute: string): string => {
    const url = new RegExp(`${attribute}="([^"]+)"`).exec(twiml)?.[1]?.replace(/&amp;/g, '&');
    if (!url) throw new Error(`the TwiML has no ${attribute}: ${twiml}`);
    return new URL(url).search;
  };
  const sms = (from: string, body: string): Params => {
    const messageSid = sid('SM');
    return {
      ToCountry: 'BR',
      ToState: 'SP',
      SmsMessageSid: messageSid,
      NumMedia: '0',
      ToCity: 'SAO PAULO',
      FromZip: '',
      SmsSid: messageSid,
      FromState: 'SP',
      SmsStatus: 'received',
      FromCity: 'SAO PAULO',
      Body: body,
      FromCountry: 'BR',
      To: o.to,
      ToZip: '',
      NumSegments: '1',
      MessageSid: messageSid,
      AccountSid: accountSid,
      From: from,
      ApiVersion: '2010-04-01',
    };
  };

  switch (scenario) {
    case 'sms': {
      const texts = [
        'Olá! Meu pedido ainda não chegou.',
        'Hola, ¿pueden ayudarme con mi factura?',
        'Hi, I need to change my delivery address.',
      ];
      for (let i = 0; i < Number(o.count); i++) {
        await post('sms', sms(o.from ?? randomBrMobile(), o.text ?? texts[i % texts.length]!));
      }
      return;
    }
    case 'stop':
      await post('sms', sms(o.from ?? randomBrMobile(), o.text ?? 'PARAR'));
      return;
    case 'status': {
      if (!o.sid) throw new Error('--sid SM… (the providerMessageId of the agent reply)');
      const params: Params = {
        SmsSid: o.sid,
        SmsStatus: o.status,
        MessageStatus: o.status,
        To: o.from ?? randomBrMobile(),
        MessageSid: o.sid,
        AccountSid: accountSid,
        From: o.to,
        ApiVersion: '2010-04-01',
      };
      if (o.error) params.ErrorCode = o.error;
      await post('sms', params, '?cb=status');
      return;
    }
    case 'call': {
      const from = o.from ?? randomBrMobile();
      const callSid = sid('CA');
      const call: Params = {
        AccountSid: accountSid,
        ApiVersion: '2010-04-01',
        CallSid: callSid,
        CallStatus: 'ringing',
        Called: o.to,
        Caller: from,
        Direction: 'inbound',
        From: from,
        FromCountry: 'BR',
        FromState: 'SP',
        To: o.to,
        ToCountry: 'BR',
        ToState: 'SP',
      };
      let twiml = await post('voice', call);
      console.log(twiml);
      if (!o.voicemail) return;
      if (twiml.includes('<Dial')) {
        twiml = await post(
          'voice',
          { ...call, CallStatus: 'in-progress', DialCallStatus: 'no-answer', DialCallDuration: '0' },
          queryOf(twiml, 'action'),
        );
        console.log(twiml);
      }
      const recordingSid = sid('RE');
      const recordingUrl = `https://api.twilio.com/2010-04-01/Accounts/${accountSid}/Recordings/${recordingSid}`;
      const record = {
        ...call,
        CallStatus: 'completed',
        RecordingUrl: recordingUrl,
        RecordingSid: recordingSid,
        RecordingDuration: '12',
        Digits: 'hangup',
      };
      const recordQuery = queryOf(twiml, 'action');
      const recordingQuery = queryOf(twiml, 'recordingStatusCallback');
      const transcriptionQuery = twiml.includes('transcribeCallback')
        ? queryOf(twiml, 'transcribeCallback')
        : undefined;
      await post('voice', record, recordQuery);
      if (o.recording) {
        await post(
          'voice',
          {
            AccountSid: accountSid,
            CallSid: callSid,
            RecordingSid: recordingSid,
            RecordingUrl: recordingUrl,
            RecordingStatus: 'completed',
            RecordingDuration: '12',
            RecordingChannels: '1',
            RecordingSource: 'RecordVerb',
            ErrorCode: '0',
          },
          recordingQuery,
        );
      }
      if (transcriptionQuery) {
        const text = o.text ?? 'Hi, this is a test voicemail: please call me back about my order.';
        await post(
          'voice',
          {
            ...record,
            TranscriptionSid: sid('TR'),
            TranscriptionStatus: 'completed',
            TranscriptionText: text,
            TranscriptionType: 'fast',
          },
          transcriptionQuery,
        );
      }
      return;
    }
    default:
      throw new Error(`unknown scenario ${scenario}: sms, status, call, stop`);
  }
}
