import type { ChannelKind } from '../domain/channel-kind.js';
import type { Sender } from '../domain/inbound-event.js';
import { normalisePhone } from './phone-identity.js';

/** `phone:+E164`, or undefined when the text is not a plausible phone number. */
export function phoneKey(raw: string, defaultCountry?: string): string | undefined {
  // The shared normaliser (Brazil's ninth digit included): SMS, voice and WhatsApp meet on one key.
  const e164 = normalisePhone(raw, defaultCountry);
  return e164 ? `phone:${e164}` : undefined;
}

export function emailKey(raw: string): string | undefined {
  const address = raw.trim().toLowerCase();
  return /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(address) ? `email:${address}` : undefined;
}

/**
 * Identity keys a sender can be found by. The channel's own handle comes
 * first; phone and email are added so one customer writing on SMS, WhatsApp
 * and email ends up as one contact.
 */
export function identityKeysFor(kind: ChannelKind, sender: Sender): string[] {
  const keys: Array<string | undefined> = [...(sender.identityKeys ?? [])];
  switch (kind) {
    case 'email':
      keys.push(emailKey(sender.handle));
      break;
    case 'sms':
    case 'voice':
    case 'whatsapp':
      keys.push(phoneKey(sender.handle) ?? `${kind}:${sender.handle}`);
      break;
    case 'webchat':
      keys.push(`visitor:${sender.handle}`);
      break;
    default:
      keys.push(`${kind}:${sender.handle}`);
  }
  if (sender.email) keys.push(emailKey(sender.email));
  if (sender.phone) keys.push(phoneKey(sender.phone));
  return [...new Set(keys.filter((k): k is string => Boolean(k)))];
}
