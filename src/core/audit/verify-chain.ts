import { Types } from 'mongoose';
import { auditSealId } from '../models/audit-head.js';
import type { Models } from '../models/registry.js';
import { GENESIS_HASH, hashAuditEvent } from './event-hash.js';

export interface ChainProblem {
  seq: number;
  problem: 'missing' | 'altered' | 'broken-link' | 'missing-tail';
}

export interface ChainReport {
  ticketId: string;
  events: number;
  intact: boolean;
  problems: ChainProblem[];
}

/** Recomputes every hash and link of a ticket's history; any edit, gap or deleted tail is reported. */
export async function verifyAuditChain(models: Models, ticketId: Types.ObjectId | string): Promise<ChainReport> {
  const id = new Types.ObjectId(String(ticketId));
  const events = await models.AuditEvent.find({ ticketId: id }).sort({ seq: 1 }).lean();
  const problems: ChainProblem[] = [];
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  for (const e of events) {
    while (expectedSeq < e.seq) problems.push({ seq: expectedSeq++, problem: 'missing' });
    const recomputed = hashAuditEvent({
      ticketId: String(e.ticketId),
      seq: e.seq,
      type: e.type,
      actor: e.actor,
      dataJson: e.dataJson,
      at: e.at,
      prevHash: e.prevHash,
    });
    if (recomputed !== e.hash) problems.push({ seq: e.seq, problem: 'altered' });
    else if (e.prevHash !== prevHash) problems.push({ seq: e.seq, problem: 'broken-link' });
    prevHash = e.hash;
    expectedSeq = e.seq + 1;
  }
  // Seals after the last event mean deleted newest events; so does a pre-seal head marker above it.
  let head = Math.max(expectedSeq - 1, (await models.AuditHead.findById(String(id)).lean())?.seq ?? 0);
  while (await models.AuditHead.exists({ _id: auditSealId(id, head + 1) })) head++;
  for (let s = expectedSeq; s <= head; s++) problems.push({ seq: s, problem: 'missing-tail' });
  return { ticketId: String(id), events: events.length, intact: problems.length === 0, problems };
}
