import twilio from 'twilio';
import type { VoiceLanguage, VoiceSettings } from './settings.js';

/**
 * The TwiML a call is answered with (built with the library's VoiceResponse). Every callback URL is the
 * inbox's webhook with `cb=<step>` and the caller's number, so each later request lands on the same route,
 * signed by Twilio over exactly that URL, and is processed after the call's own entry.
 */

type VoiceResponse = InstanceType<typeof twilio.twiml.VoiceResponse>;
type Say = Exclude<Parameters<VoiceResponse['say']>[0], string>;
type SayVoice = NonNullable<Say['voice']>;

/** Amazon Polly voices Twilio offers per language. */
const VOICES: Readonly<Record<VoiceLanguage, SayVoice>> = {
  'pt-BR': 'Polly.Camila',
  'es-ES': 'Polly.Lucia',
  'en-US': 'Polly.Joanna',
};

const TEXTS: Readonly<
  Record<
    VoiceLanguage,
    { greeting: string; voicemail: string; thanks: string; noVoicemail: string; connecting: string }
  >
> = {
  'pt-BR': {
    greeting: 'Olá! Obrigado por ligar.',
    voicemail: 'No momento não podemos atender. Deixe sua mensagem após o sinal.',
    thanks: 'Recebemos sua mensagem. Obrigado, até logo.',
    noVoicemail: 'No momento não podemos atender. Por favor, ligue mais tarde.',
    connecting: 'Conectando com o cliente.',
  },
  'es-ES': {
    greeting: '¡Hola! Gracias por llamar.',
    voicemail: 'En este momento no podemos atenderle. Deje su mensaje después de la señal.',
    thanks: 'Hemos recibido su mensaje. Gracias, hasta pronto.',
    noVoicemail: 'En este momento no podemos atenderle. Por favor, llame más tarde.',
    connecting: 'Conectando con el cliente.',
  },
  'en-US': {
    greeting: 'Hello! Thank you for calling.',
    voicemail: 'We cannot take your call right now. Please leave a message after the tone.',
    thanks: 'We received your message. Thank you, goodbye.',
    noVoicemail: 'We cannot take your call right now. Please call again later.',
    connecting: 'Connecting you to the customer.',
  },
};

export type CallbackStep = 'dial' | 'record' | 'recording' | 'transcription' | 'status';

/** `<webhook URL>?cb=<step>&caller=<number>`: the URL Twilio will call (and sign) for a step. */
export function callbackUrl(webhookUrl: string, step: CallbackStep, caller: string): string {
  const url = new URL(webhookUrl);
  url.search = '';
  url.searchParams.set('cb', step);
  url.searchParams.set('caller', caller);
  return url.toString();
}

const sayOf = (s: VoiceSettings): Say => ({ voice: VOICES[s.language], language: s.language });

/** A new call: greeting, then the forward number (with a timeout) or straight to voicemail. */
export function answerCall(s: VoiceSettings, webhookUrl: string, caller: string): string {
  const r = new twilio.twiml.VoiceResponse();
  r.say(sayOf(s), s.greeting ?? TEXTS[s.language].greeting);
  if (s.forwardTo) {
    const dial = r.dial({
      timeout: s.dialTimeoutSeconds,
      answerOnBridge: true,
      action: callbackUrl(webhookUrl, 'dial', caller),
      method: 'POST',
    });
    dial.number(s.forwardTo);
    return r.toString();
  }
  voicemail(r, s, webhookUrl, caller);
  return r.toString();
}

/** After the forward number: hang up when it answered, else voicemail. */
export function afterDial(s: VoiceSettings, webhookUrl: string, caller: string, answered: boolean): string {
  const r = new twilio.twiml.VoiceResponse();
  if (answered) r.hangup();
  else voicemail(r, s, webhookUrl, caller);
  return r.toString();
}

/** After the voicemail was recorded. */
export function afterRecord(s: VoiceSettings): string {
  const r = new twilio.twiml.VoiceResponse();
  r.say(sayOf(s), TEXTS[s.language].thanks);
  r.hangup();
  return r.toString();
}

/** Callbacks that expect no instructions (recording, transcription, status). */
export const emptyVoiceResponse = (): string => new twilio.twiml.VoiceResponse().toString();

/** A call-back: Twilio rings the agent's phone, then connects the customer with our number as caller id. */
export function connectCustomer(s: VoiceSettings, customer: string): string {
  const r = new twilio.twiml.VoiceResponse();
  r.say(sayOf(s), TEXTS[s.language].connecting);
  r.dial({ callerId: s.phoneNumber, timeout: s.dialTimeoutSeconds }).number(customer);
  return r.toString();
}

function voicemail(r: VoiceResponse, s: VoiceSettings, webhookUrl: string, caller: string): void {
  r.say(sayOf(s), s.voicemailPrompt ?? TEXTS[s.language].voicemail);
  r.record({
    maxLength: s.maxVoicemailSeconds,
    playBeep: true,
    action: callbackUrl(webhookUrl, 'record', caller),
    method: 'POST',
    recordingStatusCallback: callbackUrl(webhookUrl, 'recording', caller),
    recordingStatusCallbackMethod: 'POST',
    recordingStatusCallbackEvent: ['completed'],
    ...(s.transcribe ? { transcribe: true, transcribeCallback: callbackUrl(webhookUrl, 'transcription', caller) } : {}),
  });
  r.say(sayOf(s), TEXTS[s.language].noVoicemail);
}
