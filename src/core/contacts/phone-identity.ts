import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * One phone number, one customer, whatever channel it writes from. Numbers arrive as `whatsapp:+55…`,
 * `+55 11 9…`, `5511…@c.us`-less digits, or national forms; they become E.164. Brazil's mobile numbers
 * gained a ninth digit (a leading 9) in 2012–2016, and WhatsApp still reports many old accounts in the
 * 8-digit form: `+55 AA XXXX-XXXX` with a mobile first digit (6–9) is the same line as `+55 AA 9XXXX-XXXX`,
 * so it is canonicalised to the 9-digit form. Landlines (first digit 2–5) keep 8 digits.
 */
export function normalisePhone(raw: string, defaultCountry?: string): string | undefined {
  const cleaned = raw
    .replace(/^(whatsapp:|tel:|sms:)/i, '')
    .replace(/@.*$/, '')
    .trim();
  if (!cleaned) return undefined;
  const parsed = parsePhoneNumberFromString(cleaned, defaultCountry as CountryCode | undefined);
  if (!parsed?.isPossible()) return undefined;
  return withBrazilNinthDigit(parsed.number);
}

/** `+55 AA XXXXXXXX` (mobile, 8 digits) → `+55 AA 9XXXXXXXX`; anything else unchanged. */
export function withBrazilNinthDigit(e164: string): string {
  const m = /^\+55(\d{2})([6-9]\d{7})$/.exec(e164);
  return m ? `+55${m[1]}9${m[2]}` : e164;
}

/**
 * The identity keys of a phone number: one, `phone:<canonical E.164>`. Every channel that knows a phone
 * (SMS, voice, WhatsApp) claims this key, which is what makes them one contact.
 */
export function phoneIdentityKeys(e164: string): string[] {
  const canonical = normalisePhone(e164);
  return canonical ? [`phone:${canonical}`] : [];
}
