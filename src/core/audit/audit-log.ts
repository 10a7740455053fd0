import { MongoBulkWriteError } from 'mongodb';
import { Types } from 'mongoose';
import type { Logger } from 'pino';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import { WriteBatcher } from '../db/write-batcher.js';
import { rawCollection } from '../db/raw-collection.js';
import { ConflictError } from '../errors/app-error.js';
import type { AuditEvent } from '../models/audit-event.js';
import { auditSealId, type AuditHead } from '../models/audit-head.js';
import type { Models } from '../models/registry.js';
import { KeyedMutex } from '../sync/keyed-mutex.js';
import { auditEventId } from './audit-event-id.js';
import { wholeTrail } from './audit-trail.js';
import { canonicalJson } from './canonical-json.js';
import { GENESIS_HASH, hashAuditEvent } from './event-hash.js';

export interface Actor {
  type: 'user' | 'contact' | 'system';
  id?: string;
  name?: string;
}

export const systemActor: Actor = { type: 'system', name: 'Ponte' };

export interface AuditEntry {
  type: string;
  actor: Actor;
  data: Record<string, unknown>;
  /** Names what the event is about (e.g. `message:<id>`), so a re-run can find it (`findRef`). */
  ref?: string;
}

const MAX_ATTEMPTS = 200;

/** Seals wait this long to share a command: written in the background, waited for only by `flushHeads`. */
const SEAL_LINGER_MS = 100;

/**
 * Appends hash-chained events. Sequence numbers are claimed by the unique
 * `(ticketId, seq)` index; a writer that loses the race re-reads the head and
 * tries the next number. In-process appends to one ticket are queued so they
 * rarely race at all.
 */
export class AuditLog {
  private readonly queue = new KeyedMutex();
  /**
   * Last (seq, hash) this process wrote per ticket, so an append need not read
   * the head back. Appends to one ticket are queued, so it is exact unless
   * another process appended meanwhile — then the insert hits the unique index
   * and the head is read from the database.
   */
  private readonly heads = new Map<string, { seq: number; hash: string }>();

  /** Appends to different tickets share insert commands under load (group commit). */
  private readonly inserts = new WriteBatcher<AuditEvent>(() => rawCollection(this.models.AuditEvent));
  private readonly seals = new WriteBatcher<AuditHead>(() => rawCollection(this.models.AuditHead), { lingerMs: SEAL_LINGER_MS });

  constructor(
    private readonly models: Models,
    private readonly logger: Logger,
  ) {}

  /** Waits for the seals still being written (shutdown; before verifying a chain that was just appended to). */
  flushHeads(): Promise<void> {
    return this.seals.settled();
  }

  append(ticketId: Types.ObjectId | string, type: string, actor: Actor, data: Record<string, unknown>, ref?: string): Promise<AuditEvent> {
    return this.appendAll(ticketId, [{ type, actor, data, ...(ref ? { ref } : {}) }]).then(([event]) => event!);
  }

  /**
   * Several events for one ticket, in this order, contiguous in its chain: sent as one ordered insert
   * (a new ticket's `ticket.created` and its first message's `message.received` cost one round trip,
   * not two in a row). Should one of them lose a sequence race, it and those after it are chained
   * again after the winner; the ones before it stay.
   */
  appendAll(ticketId: Types.ObjectId | string, entries: AuditEntry[]): Promise<AuditEvent[]> {
    const id = new Types.ObjectId(String(ticketId));
    return this.queue.run(String(id), () => this.appendNow(id, entries));
  }

  /**
   * A ticket this process has just inserted has no events yet: its first
   * append need not look for a head (a scan on the embedded database). Should
   * another process append first, the unique index still catches it.
   */
  startChain(ticketId: Types.ObjectId | string): void {
    const key = String(ticketId);
    if (!this.heads.has(key)) this.heads.set(key, { seq: 0, hash: GENESIS_HASH });
  }

  /**
   * The event with this ref, if one exists (idempotent re-processing after a crash). Looked for in the
   * ticket's trail read by `_id`: a query on `ref` reads every audit event on the embedded FerretDB (seconds
   * at 100,000 events, for each event a crash left pending).
   */
  async findRef(ticketId: Types.ObjectId | string, ref: string): Promise<AuditEvent | null> {
    const id = new Types.ObjectId(String(ticketId));
    const trail = await wholeTrail(this.models, id);
    if (!trail) return this.models.AuditEvent.findOne({ ticketId: id, ref }).lean();
    return trail.find((e) => e.ref === ref) ?? null;
  }

  /**
   * The ticket's newest event, when this process does not know its head (a restart, another process's
   * ticket): from the trail read by `_id`, as `findRef`; a query sorted by seq read every audit event on
   * the embedded FerretDB for each such append (an SLA sweep escalating thousands of tickets stalled on it).
   */
  private async newest(ticketId: Types.ObjectId): Promise<{ seq: number; hash: string } | null> {
    const trail = await wholeTrail(this.models, ticketId);
    if (!trail) return this.models.AuditEvent.findOne({ ticketId }, { seq: 1, hash: 1 }).sort({ seq: -1 }).lean();
    const last = trail.at(-1);
    return last ? { seq: last.seq, hash: last.hash } : null;
  }

  /**
   * The event's seal, kept apart from the chain: lets verification notice a deleted newest event.
   * Written in the background (batched with others): a seal that lags or is lost in a crash only
   * weakens that one check for that one event.
   */
  private seal(ticketId: Types.ObjectId, seq: number): void {
    this.seals.insert({ _id: auditSealId(ticketId, seq), ticketId, seq }).catch((err: unknown) => {
      if (!isDuplicateKeyError(err)) this.logger.warn({ err, ticketId: String(ticketId), seq }, 'audit seal not written');
    });
  }

  private async appendNow(ticketId: Types.ObjectId, entries: AuditEntry[]): Promise<AuditEvent[]> {
    const key = String(ticketId);
    const written: AuditEvent[] = [];
    let remaining = entries.map((e) => ({ ...e, dataJson: canonicalJson(e.ref ? { ...e.data, ref: e.ref } : e.data) }));
    for (let attempt = 1; attempt <= MAX_ATTEMPTS && remaining.length; attempt++) {
      let head = this.heads.get(key) ?? (await this.newest(ticketId));
      const docs: AuditEvent[] = remaining.map(({ type, actor, dataJson, ref }) => {
        const seq = (head?.seq ?? 0) + 1;
        const prevHash = head?.hash ?? GENESIS_HASH;
        const at = new Date();
        const cleanActor = { type: actor.type, ...(actor.id ? { id: actor.id } : {}), ...(actor.name ? { name: actor.name } : {}) };
        const hash = hashAuditEvent({ ticketId: key, seq, type, actor: cleanActor, dataJson, at, prevHash });
        head = { seq, hash };
        // Built whole here from typed values, so inserted by the driver as is (no mongoose document
        // per append; the schema's required fields are all set above).
        return { _id: auditEventId(ticketId, seq), ticketId, seq, type, actor: cleanActor, dataJson, ...(ref ? { ref } : {}), at, prevHash, hash };
      });
      let landed = 0;
      try {
        if (docs.length === 1) {
          // Alone, as most appends are: batched with other tickets' under load (group commit).
          await this.inserts.insert(docs[0]!);
          landed = 1;
        } else {
          // Ordered: a failed event stops the ones after it, whose prevHash would point at nothing.
          await rawCollection(this.models.AuditEvent).insertMany(docs, { ordered: true, ignoreUndefined: true });
          landed = docs.length;
        }
      } catch (err) {
        landed = err instanceof MongoBulkWriteError ? err.result.insertedCount : 0;
        this.keep(key, docs.slice(0, landed), written);
        remaining = remaining.slice(landed);
        this.heads.delete(key);
        // A lost sequence race comes back as the duplicate-key error: chain the rest after the winner.
        if (!isDuplicateKeyError(err)) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, attempt * 2)));
        continue;
      }
      this.keep(key, docs, written);
      remaining = [];
    }
    if (remaining.length) {
      this.logger.error({ ticketId: key, type: remaining[0]!.type }, 'audit append kept losing the sequence race');
      throw new ConflictError('AUDIT_CONTENTION', 'Could not append the audit event; try again');
    }
    return written;
  }

  /** Events that landed: sealed, remembered as the head, returned. */
  private keep(key: string, docs: AuditEvent[], written: AuditEvent[]): void {
    for (const doc of docs) {
      this.seal(doc.ticketId, doc.seq);
      written.push(doc);
    }
    const last = docs.at(-1);
    if (!last) return;
    if (this.heads.size >= 10_000 && !this.heads.has(key)) this.heads.delete(this.heads.keys().next().value!);
    this.heads.set(key, { seq: last.seq, hash: last.hash });
  }
}
