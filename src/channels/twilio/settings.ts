import { z } from 'zod';
import { ChannelError } from '../../core/errors/app-error.js';

/**
 * Settings of a Twilio inbox (kind `sms` or `voice`), as stored on the inbox (the auth token encrypted)
 * and handed to the adapter and the webhook decrypted. The auth token is never logged or returned.
 */

/** Empty form fields mean "not set". */
const optional = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((v) => (v === '' || v === null ? undefined : v), schema.optional());

const accountSid = z
  .string()
  .trim()
  .regex(/^AC[0-9a-fA-F]{32}$/, 'an Account SID (AC followed by 32 hex digits)');
const authToken = z.string().trim().min(16).max(200);
const e164 = z
  .string()
  .trim()
  .regex(/^\+[1-9]\d{6,14}$/, 'a phone number in E.164 form, e.g. +5511999990000');
/** Twilio signs the URL it called: behind a proxy that is not the hub's own address. */
const publicUrl = optional(z.string().trim().url());

export const SmsSettingsSchema = z
  .object({
    accountSid,
    authToken,
    /** The number we send from; or a Messaging Service, which picks a number of its pool. */
    phoneNumber: optional(e164),
    messagingServiceSid: optional(
      z
        .string()
        .trim()
        .regex(/^MG[0-9a-fA-F]{32}$/, 'a Messaging Service SID (MG…)'),
    ),
    publicUrl,
  })
  .refine((s) => Boolean(s.phoneNumber || s.messagingServiceSid), {
    message: 'a phone number or a Messaging Service SID is required',
    path: ['phoneNumber'],
  });
export type SmsSettings = z.infer<typeof SmsSettingsSchema>;

export const voiceLanguages = ['pt-BR', 'es-ES', 'en-US'] as const;
export type VoiceLanguage = (typeof voiceLanguages)[number];

export const VoiceSettingsSchema = z.object({
  accountSid,
  authToken,
  /** The Twilio number callers dial (also the caller id of call-backs and the sender of SMS replies). */
  phoneNumber: e164,
  language: z.enum(voiceLanguages).default('en-US'),
  /** Said first; a default in the inbox's language when empty. */
  greeting: optional(z.string().trim().max(1000)),
  /** Said before the beep of the voicemail. */
  voicemailPrompt: optional(z.string().trim().max(1000)),
  /** Ring this number first (a desk phone, a call centre); unanswered calls go to voicemail. */
  forwardTo: optional(e164),
  dialTimeoutSeconds: z.coerce.number().int().min(5).max(120).default(20),
  maxVoicemailSeconds: z.coerce.number().int().min(10).max(600).default(120),
  /** Twilio's transcription of the voicemail (Twilio transcribes English only). */
  transcribe: z.boolean().default(true),
  /** The phone the agent answers call-backs on: Twilio rings it, then connects the customer. */
  agentPhone: optional(e164),
  publicUrl,
});
export type VoiceSettings = z.infer<typeof VoiceSettingsSchema>;

export type TwilioKind = 'sms' | 'voice';
export type TwilioSettings = SmsSettings | VoiceSettings;

/** Secret fields, for the core's encryption / redaction. */
export const TWILIO_SECRET_PATHS = ['authToken'] as const;

export function parseTwilioSettings(kind: 'sms', raw: unknown): SmsSettings;
export function parseTwilioSettings(kind: 'voice', raw: unknown): VoiceSettings;
export function parseTwilioSettings(kind: TwilioKind, raw: unknown): TwilioSettings;
export function parseTwilioSettings(kind: TwilioKind, raw: unknown): TwilioSettings {
  const parsed = (kind === 'sms' ? SmsSettingsSchema : VoiceSettingsSchema).safeParse(raw);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.') || i.message).join(', ');
    throw new ChannelError('TWILIO_SETTINGS_INVALID', `invalid ${kind} inbox settings: ${fields}`, false);
  }
  return parsed.data;
}

/** The number a send goes from (SMS replies of a voice inbox come from its number). */
export function senderOf(settings: TwilioSettings): { from: string } | { messagingServiceSid: string } {
  if ('messagingServiceSid' in settings && settings.messagingServiceSid)
    return { messagingServiceSid: settings.messagingServiceSid };
  return { from: settings.phoneNumber! };
}
