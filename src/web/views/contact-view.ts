import type { Contact } from '../../core/models/contact.js';
import { idOrNull } from './iso.js';

export function toContactView(c: Contact) {
  return {
    id: String(c._id),
    name: c.name ?? null,
    email: c.email ?? null,
    phone: c.phone ?? null,
    identities: [...c.identities],
    mergedInto: idOrNull(c.mergedInto),
    /** Set when the customer opted out (SMS STOP): the console warns before an SMS reply. */
    optedOut: { sms: c.optedOut?.sms ? c.optedOut.sms.toISOString() : null },
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}
