import type { Contact } from '../../core/models/contact.js';
import type { ContactMerge } from '../../core/contacts/contact-merges.js';
import { idOrNull } from './iso.js';

export function toContactView(c: Contact) {
  return {
    id: String(c._id),
    name: c.name ?? null,
    email: c.email ?? null,
    phone: c.phone ?? null,
    identities: [...c.identities],
    notes: c.notes ?? null,
    /** Typed by the customer (web chat), never confirmed: shown apart, not an identity. */
    unverifiedEmail: c.unverifiedEmail ?? null,
    mergedInto: idOrNull(c.mergedInto),
    /** Set when the customer opted out (SMS STOP): the console warns before an SMS reply. */
    optedOut: { sms: c.optedOut?.sms ? c.optedOut.sms.toISOString() : null },
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

/** A recorded contact merge, with its evidence (what moved) and whether it was undone. */
export function toMergeView(m: ContactMerge) {
  return {
    id: m._id,
    sourceId: String(m.sourceId),
    targetId: String(m.targetId),
    identities: m.identities,
    ticketIds: m.ticketIds.map(String),
    by: m.byName ?? null,
    at: m.at.toISOString(),
    undoneAt: m.undoneAt ? m.undoneAt.toISOString() : null,
  };
}
