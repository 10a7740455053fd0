import { createHash } from 'node:crypto';
import { Types } from 'mongoose';

/**
 * An audit event's `_id`, derived from (ticket, seq): the first 12 bytes of a
 * SHA-256, so still an ObjectId. A ticket's trail is then a set of `_id`
 * lookups — the one query the embedded FerretDB answers without reading the
 * whole collection. Two writers claiming the same seq derive the same `_id`,
 * so the duplicate-key error of a lost sequence race is unchanged. Events
 * written before this carry random ObjectIds; `audit-trail.ts` falls back for them.
 */
export function auditEventId(ticketId: Types.ObjectId | string, seq: number): Types.ObjectId {
  const digest = createHash('sha256').update(`audit:${String(ticketId)}:${seq}`).digest();
  return new Types.ObjectId(digest.subarray(0, 12));
}
