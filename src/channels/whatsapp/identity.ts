import { phoneFromWhatsAppId } from '../../core/contacts/phone-identity.js';
import type { Sender } from '../../core/domain/inbound-event.js';

/** Group chats (`…@g.us`), status broadcasts and newsletters are not a person. */
export const isGroupId = (wid: string): boolean => wid.endsWith('@g.us');
export const isBroadcastId = (wid: string): boolean => wid === 'status@broadcast' || wid.endsWith('@broadcast') || wid.endsWith('@newsletter');

/**
 * A WhatsApp user as a sender: `phone:+E164` (Brazil's ninth digit normalised in the shared core module, so
 * SMS and WhatsApp meet) plus `whatsapp:<wid>`. A wid without a phone number (`…@lid`) is its own identity.
 */
export function senderFromWid(wid: string, displayName?: string): Sender {
  const phone = phoneFromWhatsAppId(wid);
  return {
    handle: phone ?? wid,
    ...(displayName ? { displayName: displayName.slice(0, 200) } : {}),
    ...(phone ? { phone } : {}),
    identityKeys: [`whatsapp:${wid}`, ...(phone ? [`phone:${phone}`] : [])],
  };
}
