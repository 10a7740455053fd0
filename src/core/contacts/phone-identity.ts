import { parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * One phone number, one person, whatever channel it writes from. Every channel that knows a phone number
 * (SMS, voice, WhatsApp, a Telegram shared contact) builds its identity key here, so the forms a number takes
 * on different platforms meet in one key.
 *
 * Brazil's ninth digit: since 2012–2016 Brazilian mobile numbers have 9 digits after the area code, the old
 * 8-digit form prefixed with 9 (`+55 11 9XXXX-XXXX`). Carriers still route the 8-digit form, and WhatsApp
 * keeps accounts registered before the change under it (`551187654321@c.us`), so the same customer arrives
 * as `+551187654321` on WhatsApp and `+5511987654321` by SMS. Mobiles (8-digit subscriber numbers starting
 * 6–9) are kept in the 9-digit form; landlines (starting 2–5) are left alone.
 */
export function canonicalPhone(raw: string, defaultCountry?: string): string | undefined {
  const cleaned = raw.replace(/^(whatsapp:|tel:|sms:)/i, '').trim();
  const parsed = parsePhoneNumberFromString(cleaned, defaultCountry as never);
  if (!parsed?.isPossible()) return undefined;
  return withBrazilNinthDigit(parsed.number);
}

/** `+55 AA XXXXXXXX` (mobile, 8 digits) → `+55 AA 9XXXXXXXX`; every other E.164 number unchanged. */
export function withBrazilNinthDigit(e164: string): string {
  const m = /^\+55([1-9]{2})([6-9]\d{7})$/.exec(e164);
  return m ? `+55${m[1]}9${m[2]}` : e164;
}

/** `phone:+E164` (canonical form above), or undefined when the text is not a plausible phone number. */
export function phoneIdentityKey(raw: string, defaultCountry?: string): string | undefined {
  const phone = canonicalPhone(raw, defaultCountry);
  return phone ? `phone:${phone}` : undefined;
}

/** A WhatsApp user id (`5511987654321@c.us`, `…@s.whatsapp.net`) → `+E164`, or undefined for groups/others. */
export function phoneFromWhatsAppId(wid: string): string | undefined {
  const m = /^(\d{6,15})(?::\d+)?@(c\.us|s\.whatsapp\.net)$/.exec(wid);
  return m ? canonicalPhone(`+${m[1]}`) : undefined;
}

/** `+E164` → the WhatsApp user id of that number (`5511987654321@c.us`), the chat a first message opens. */
export function whatsAppIdFromPhone(e164: string): string {
  return `${e164.replace(/\D/g, '')}@c.us`;
}

/** The same canonical form, under the name the phone channels (SMS, voice) use. */
export const normalisePhone = canonicalPhone;

/** The identity keys of a phone number: one, `phone:<canonical E.164>` (none for a non-number). */
export function phoneIdentityKeys(e164: string): string[] {
  const key = phoneIdentityKey(e164);
  return key ? [key] : [];
}
