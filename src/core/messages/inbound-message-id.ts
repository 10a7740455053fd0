import { createHash } from 'node:crypto';
import { Types } from 'mongoose';

/**
 * The `_id` of the message an inbound event stores, derived from the event
 * itself: every attempt at processing it, in any process, names the same
 * message. So the message's audit event (which carries the id) can be written
 * beside the message's insert instead of after it: should the insert fail, the
 * retry stores the very message the audit event names.
 *
 * An ObjectId still: the first four bytes are the time it was sent (seconds,
 * as in every ObjectId; threads sort by `occurredAt` then `_id`), the other
 * eight come from a hash of the provider key (the event's unique name).
 */
export function inboundMessageId(providerKey: string, occurredAt: Date): Types.ObjectId {
  const bytes = Buffer.alloc(12);
  bytes.writeUInt32BE(Math.max(0, Math.floor(occurredAt.getTime() / 1000)) >>> 0, 0);
  createHash('sha256').update(providerKey).digest().copy(bytes, 4, 0, 8);
  return new Types.ObjectId(bytes);
}
