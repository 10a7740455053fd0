import { Types } from 'mongoose';
import { auditSealId } from '../models/audit-head.js';
import type { AuditEvent } from '../models/audit-event.js';
import type { Models } from '../models/registry.js';
import { findEachById } from '../db/find-by-ids.js';
import { auditEventId } from './audit-event-id.js';

/** Events asked for at once while walking a trail forward (most tickets have fewer than this): one `$in` read. */
const PROBE_WIDTH = 16;

/**
 * A ticket's events after `afterSeq`, in seq order, at most `limit`: by `_id`
 * (`auditEventId`), PROBE_WIDTH at a time, until the first seq with no
 * event. That seq is the end of the chain only if it has no seal either (every
 * event is inserted before its seal); an event missing under a seal — one
 * written before derived ids, or one deleted — sends the read to the query by
 * `(ticketId, seq)`, so the answer is always the same as that query's.
 */
export async function readAuditTrail(models: Models, ticketId: Types.ObjectId, afterSeq: number, limit: number): Promise<AuditEvent[]> {
  const found: AuditEvent[] = [];
  let seq = afterSeq + 1;
  while (found.length < limit) {
    const width = Math.min(PROBE_WIDTH, limit - found.length);
    const batch = await findEachById<AuditEvent>(models.AuditEvent, Array.from({ length: width }, (_, k) => auditEventId(ticketId, seq + k)));
    const gap = batch.findIndex((e) => !e);
    found.push(...(batch.slice(0, gap === -1 ? width : gap) as AuditEvent[]));
    if (gap === -1) {
      seq += width;
      continue;
    }
    const missing = seq + gap;
    const sealed = await models.AuditHead.exists({ _id: auditSealId(ticketId, missing) });
    if (sealed) return byQuery(models, ticketId, afterSeq, limit);
    break;
  }
  return found;
}

/** A trail longer than this is asked for by query (`wholeTrail`): its `_id` reads would cost more. */
const MAX_WHOLE_TRAIL = 2_000;

/**
 * Every event of a ticket, in seq order, read by `_id` — or `undefined` when it has more than MAX_WHOLE_TRAIL,
 * where the caller asks by query. For lookups within one ticket (its newest event, an event by ref or type)
 * that a query would answer by reading every audit event on the embedded FerretDB.
 */
export async function wholeTrail(models: Models, ticketId: Types.ObjectId): Promise<AuditEvent[] | undefined> {
  const trail = await readAuditTrail(models, ticketId, 0, MAX_WHOLE_TRAIL);
  return trail.length >= MAX_WHOLE_TRAIL ? undefined : trail;
}

function byQuery(models: Models, ticketId: Types.ObjectId, afterSeq: number, limit: number): Promise<AuditEvent[]> {
  return models.AuditEvent.find({ ticketId, seq: { $gt: afterSeq } }).sort({ seq: 1 }).limit(limit).lean();
}
