import type { Logger } from 'pino';
import type { SnapshotParts } from '../sync/stop-snapshots.js';
import { orderingKey, type EventIntake, type AcceptOutcome } from './event-intake.js';
import { KnownPending } from './known-pending.js';
import { findEachById } from '../db/find-by-ids.js';
import type { MessageProcessor, ProcessResult, ProcessRun } from './message-processor.js';
import { NotYetKnownError, type StatusProcessor } from './status-processor.js';
import type { InboundEvent, InboundEventInput, MessageReceived } from '../domain/inbound-event.js';
import type { DomainEventBus } from '../events/event-bus.js';
import { rawCollection } from '../db/raw-collection.js';
import { WriteBatcher } from '../db/write-batcher.js';
import { withTransientRetry } from '../db/transient-retry.js';
import type { InboundEventRecord } from '../models/inbound-event-record.js';
import type { Models } from '../models/registry.js';
import { KeyedMutex } from '../sync/keyed-mutex.js';
import type { RemoteMediaFetcher } from './remote-media.js';
import type { SenderProfiles } from './sender-profiles.js';
import type { AnnotationProcessor } from './annotation-processor.js';
import { BacklogCatchUp, type BacklogEntry, type BacklogProgress } from './backlog-catch-up.js';
import type { CallProcessor } from './call-processor.js';
import { WaitingEvents } from './waiting-events.js';
import { inboxMessageKeyId } from '../models/message-key.js';

const MAX_ATTEMPTS = 8;
/** Processed marks wait this long to share a command (nobody waits for them; see WriteBatcher). */
const MARK_LINGER_MS = 100;
/** Its part in a stop snapshot: the provider keys of the events still pending (read first: live events wait for it). */
export const PENDING_PART = 'ingest.pending';
/** Failed events remembered for an in-memory retry; beyond this, only the full sweep finds them. */
const MAX_REMEMBERED_RETRIES = 10_000;

/**
 * Why an event is being processed: just accepted; failed in this process before (so nothing of it was
 * announced); or found pending in the database (a crash, or another process, may have done part of it).
 */
type RunOrigin = 'accepted' | 'failed-here' | 'found-pending';
const runOf = (origin: RunOrigin): ProcessRun => (origin === 'accepted' ? 'first' : origin === 'failed-here' ? 'retry' : 'recovery');

/** A stored event still to be processed. */
interface Pending {
  event: InboundEvent;
  attempts: number;
}

/**
 * The one entry point for everything channels receive. `accept` stores and
 * returns (so webhooks can answer the platform at once); processing follows
 * from the stored record, in order per conversation. `sweep` finishes what a
 * crash or a transient failure left pending.
 */
export class IngestService {
  private readonly queue = new KeyedMutex();
  private sweeping: Promise<number> | undefined;
  /**
   * Events whose processing failed here and will be tried again, with when they failed: `retryDue`
   * re-runs them without asking the database which events are pending — on the embedded FerretDB that
   * question reads every inbound event ever stored (0.6 s of its CPU at 20,000), so `sweep` is kept for
   * start-up and a rare safety net.
   */
  private readonly retries = new Map<string, { event: InboundEvent; failedAt: number }>();
  /** Those of `retries` that wait for a message to be stored: run again the moment it is (`messageKnown`). */
  private readonly waiting = new WaitingEvents();

  /** "Processed" marks, written in the background and batched with one another under load. */
  private readonly marks = new WriteBatcher<InboundEventRecord>(() => rawCollection(this.models.InboundEvent), { lingerMs: MARK_LINGER_MS });

  /** What a crash left pending, processed in the background after start (`catchUpInBackground`). */
  private readonly backlog: BacklogCatchUp;

  /** Handed by a clean stop to the next start (`snapshotParts`), and swept by `_id` when this process is the sole writer. */
  private readonly unfinished = new KnownPending();
  /** This process is the only one writing inbound events (it owns its database): what it knows pending is all there is. */
  private soleWriter = false;
  /** Given by a clean stop's snapshot (being read): the start's list reads these instead of querying. */
  private knownPending: Promise<string[] | undefined> | undefined;

  constructor(
    private readonly models: Models,
    private readonly intake: EventIntake,
    private readonly messages: MessageProcessor,
    private readonly statuses: StatusProcessor,
    private readonly bus: DomainEventBus,
    private readonly logger: Logger,
    private readonly media: RemoteMediaFetcher | undefined,
    private readonly profiles: SenderProfiles | undefined,
    private readonly annotations: AnnotationProcessor,
    private readonly calls?: CallProcessor,
  ) {
    this.backlog = new BacklogCatchUp(
      () => this.listPending(),
      ({ providerKey, key }) =>
        this.queue.run(key, () => this.processStored(providerKey, 'found-pending')).catch((err: unknown) => {
          this.logger.error({ err, providerKey }, 'inbound processing crashed');
        }),
      this.logger.child({ part: 'catch-up' }),
    );
  }

  /** Steps that need the channel's I/O before placing a message: the sender's profile, remote media. */
  private async enrich(event: MessageReceived): Promise<MessageReceived> {
    const profiled = this.profiles ? await this.profiles.resolve(event) : event;
    return this.media ? this.media.resolve(profiled) : profiled;
  }

  /** Validates every event first (all or nothing), then stores each and schedules its processing. */
  async accept(inputs: InboundEventInput[]): Promise<{ accepted: number; duplicates: number; results: AcceptOutcome[] }> {
    const events = this.intake.parse(inputs);
    const results: AcceptOutcome[] = [];
    for (const event of events) {
      // Known pending before the answer: an insert whose reply is lost may still have stored it (the platform's
      // retry is then a duplicate), and the sweep looks it up by `_id`.
      const known = this.unfinished.has(event.providerKey);
      this.unfinished.add(event.providerKey);
      const { stored, ...outcome } = await this.intake.store(event);
      if (!stored && !known) this.unfinished.done(event.providerKey);
      results.push(outcome);
      // Just written as pending with no attempts: processed from memory, not read back — unless its
      // conversation is still catching up after a crash, where it joins the end of that backlog.
      if (stored) {
        const schedule = () => this.schedule(event.providerKey, event, 'accepted', { event: stored, attempts: 0 });
        if (!this.backlog.offer({ providerKey: event.providerKey, key: orderingKey(event) }, schedule)) schedule();
      }
    }
    const accepted = results.filter((r) => r.status === 'accepted').length;
    return { accepted, duplicates: results.length - accepted, results };
  }

  /** Resolves when everything scheduled so far (the start-up backlog included) has been processed and marked so. */
  async drain(): Promise<void> {
    await this.backlog.settled();
    await this.queue.idle();
    await this.marks.settled();
  }

  /**
   * Start-up: processes everything a crash left pending in the background, in order per conversation, so the
   * hub can serve meanwhile. Progress: `backlogProgress()` (shown by /api/health) and the log.
   */
  catchUpInBackground(): void {
    this.backlog.start();
  }

  /** The events a clean stop left pending (its snapshot, `snapshotParts`): the catch-up reads them instead of querying. */
  startFrom(snapshot: Promise<SnapshotParts | undefined>): void {
    this.knownPending = snapshot.then((parts) => {
      const pending = parts?.get(PENDING_PART);
      return pending?.every((k) => typeof k === 'string') ? (pending as string[]) : undefined;
    });
  }

  /**
   * Whether this process is the only one writing this database's inbound events (a hub that owns its database;
   * off once another process shares it). Then the periodic full sweep reads the events it knows pending by `_id`
   * instead of asking which events are pending: a read of every inbound event on the embedded FerretDB.
   */
  setSoleWriter(on: boolean): void {
    this.soleWriter = on;
  }

  /** Every event still pending, for a clean stop's snapshot; none when this process did not know them all. */
  snapshotParts(): Record<string, unknown[]> | undefined {
    return this.unfinished.complete ? { [PENDING_PART]: this.unfinished.keys() } : undefined;
  }

  backlogProgress(): BacklogProgress {
    return this.backlog.progress();
  }

  /** Shutdown: the catch-up finishes the events it is on and stops; the rest waits for the next start. */
  async stopCatchUp(): Promise<void> {
    await this.backlog.stop();
  }

  /** Processes stored events still pending (crash recovery). Returns how many it picked up. */
  sweep(minAgeMs: number): Promise<number> {
    // The start-up catch-up is on it; a second pass would only run the same events twice (harmless, but work).
    if (this.backlog.progress().catchingUp) return Promise.resolve(0);
    this.sweeping ??= this.sweepNow(minAgeMs).finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  /**
   * Schedules again the events that failed here at least `minAgeMs` ago; returns how many. Does not
   * wait for them (`drain` does): under steady traffic the queue is never idle.
   */
  retryDue(minAgeMs: number): number {
    const before = Date.now() - minAgeMs;
    let picked = 0;
    for (const [providerKey, { event, failedAt }] of this.retries) {
      if (failedAt > before) continue;
      this.retryNow(providerKey, event);
      picked++;
    }
    return picked;
  }

  /**
   * This process has just stored the message with this provider id (the delivery worker's send, an inbound
   * message): the events that failed waiting for it run at once. Returns how many. Events waiting in another
   * process, or beyond the remembered ones, wait for the sweep.
   */
  messageKnown(inboxId: string, providerMessageId: string): number {
    const keys = this.waiting.known(inboxMessageKeyId(inboxId, providerMessageId));
    let picked = 0;
    for (const providerKey of keys) {
      const retry = this.retries.get(providerKey);
      if (!retry) continue;
      this.retryNow(providerKey, retry.event);
      picked++;
    }
    return picked;
  }

  private retryNow(providerKey: string, event: InboundEvent): void {
    this.retries.delete(providerKey);
    this.waiting.forget(providerKey);
    this.schedule(providerKey, event, 'failed-here');
  }

  private async sweepNow(minAgeMs: number): Promise<number> {
    const cutoff = new Date(Date.now() - minAgeMs);
    const pending = this.soleWriter && this.unfinished.complete ? await this.pendingKnownBefore(cutoff) : await this.models.InboundEvent.find({ status: 'pending', receivedAt: { $lte: cutoff } })
      .sort({ receivedAt: 1 })
      .limit(1000)
      .lean();
    for (const record of pending) {
      this.unfinished.add(record._id);
      this.schedule(record._id, JSON.parse(record.payloadJson) as InboundEvent, 'found-pending');
    }
    if (pending.length) this.logger.info({ count: pending.length }, 'sweeper re-queued pending inbound events');
    await this.drain();
    return pending.length;
  }

  /** The events this process knows pending since before `cutoff`, read by `_id`; ones found done are forgotten. */
  private async pendingKnownBefore(cutoff: Date): Promise<InboundEventRecord[]> {
    const due = this.unfinished.due(cutoff.getTime(), 1000);
    const records = await findEachById<InboundEventRecord>(this.models.InboundEvent, due);
    const pending: InboundEventRecord[] = [];
    due.forEach((key, k) => {
      const record = records[k];
      if (record?.status === 'pending') pending.push(record);
      else this.unfinished.done(key);
    });
    return pending.sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
  }

  /** Every pending event, oldest first: ids and ordering keys only (the payloads are read one by one). */
  private async listPending(): Promise<BacklogEntry[]> {
    const fields = { _id: 1, conversationKey: 1, receivedAt: 1, status: 1 } as const;
    const known = await this.knownPending;
    this.knownPending = undefined;
    const records = known
      ? (await findEachById<InboundEventRecord>(this.models.InboundEvent, known, { projection: fields, width: 32 }))
          .filter((r) => r?.status === 'pending')
          .map((r) => r!)
          .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime())
      : await this.models.InboundEvent.find({ status: 'pending' }, fields).sort({ receivedAt: 1 }).lean();
    this.unfinished.listedAtStart(records.map((r) => ({ key: r._id, since: r.receivedAt.getTime() })));
    const entries: BacklogEntry[] = [];
    for (const r of records) {
      let key = r.conversationKey;
      if (!key) {
        // Stored before ordering keys were: read its payload for it.
        const full = await this.models.InboundEvent.findById(r._id).lean();
        if (!full) continue;
        key = orderingKey(this.intake.parse([JSON.parse(full.payloadJson) as InboundEventInput])[0]!);
      }
      entries.push({ providerKey: r._id, key });
    }
    return entries;
  }

  private schedule(providerKey: string, event: InboundEvent, origin: RunOrigin, fresh?: Pending): void {
    const key = orderingKey(event);
    void this.queue.run(key, () => this.processStored(providerKey, origin, fresh)).catch((err: unknown) => {
      this.logger.error({ err, providerKey }, 'inbound processing crashed');
    });
  }

  private async processStored(providerKey: string, origin: RunOrigin, fresh?: Pending): Promise<void> {
    const pending = fresh ?? (await this.loadPending(providerKey));
    if (!pending) {
      this.unfinished.done(providerKey);
      return;
    }
    const { event, attempts } = pending;
    const log = this.logger.child({ providerKey, inboxId: event.inboxId, type: event.type });
    let result: ProcessResult;
    try {
      // Processing is idempotent (every step is keyed), so a transient database error just runs it again.
      // Only the first attempt at a just-accepted event may assume nothing of it is stored yet; after a
      // failed attempt here, nothing of it was announced.
      let tries = 0;
      result = await withTransientRetry(() => this.dispatch(event, tries++ === 0 ? runOf(origin) : 'retry'), 4, 100);
    } catch (err) {
      const tried = attempts + 1;
      const failed = tried >= MAX_ATTEMPTS;
      // Remembered first: should recording the failure fail too, the retry still happens.
      if (!failed && this.retries.size < MAX_REMEMBERED_RETRIES) this.remember(providerKey, event, err);
      await withTransientRetry(() =>
        this.models.InboundEvent.updateOne(
          { _id: providerKey },
          { $set: { attempts: tried, lastError: String((err as Error).message ?? err), status: failed ? 'failed' : 'pending' } },
        ),
      );
      if (failed) this.unfinished.done(providerKey);
      if (err instanceof NotYetKnownError && !failed) log.debug({ attempts: tried }, 'inbound event waits for its message');
      else log[failed ? 'error' : 'warn']({ err, attempts: tried }, failed ? 'inbound event failed permanently' : 'inbound event failed; will retry');
      return;
    }
    // A full sweep may have run it meanwhile.
    this.retries.delete(providerKey);
    this.waiting.forget(providerKey);
    // The message, ticket and audit writes are done: tell the consoles even if the bookkeeping below fails.
    for (const e of result.events) this.bus.publish(e);
    this.announceStored(event, result);
    // In the background: until it lands (or if it is lost) the event is still pending, and a sweeper
    // re-run finds everything stored and changes nothing.
    this.marks
      .updateById(providerKey, {
        $set: {
          status: 'processed',
          processedAt: new Date(),
          attempts: attempts + 1,
          result: {
            outcome: result.outcome,
            ...(result.ticketId ? { ticketId: result.ticketId } : {}),
            ...(result.messageId ? { messageId: result.messageId } : {}),
          },
        },
      })
      .then(
        () => this.unfinished.done(providerKey),
        (err: unknown) => log.warn({ err }, 'processed mark not written; the next full sweep re-runs the event harmlessly'),
      );
  }

  /**
   * Keeps a failed event for its retry; one waiting for a message is listed by that message. Should the
   * message have been announced between the event's lookup and now, it runs again at once (queued after
   * this run, so it reads the failure just recorded).
   */
  private remember(providerKey: string, event: InboundEvent, err: unknown): void {
    this.retries.set(providerKey, { event, failedAt: Date.now() });
    const awaited = err instanceof NotYetKnownError ? err.awaited : undefined;
    if (!awaited) {
      this.waiting.forget(providerKey);
      return;
    }
    if (this.waiting.wait(providerKey, inboxMessageKeyId(awaited.inboxId, awaited.providerMessageId))) this.retryNow(providerKey, event);
  }

  /** An inbound message now stored: edits, reactions and call callbacks that came first need not wait for the sweep. */
  private announceStored(event: InboundEvent, result: ProcessResult): void {
    if (!result.messageId) return;
    if ((event.type === 'message.received' || event.type === 'message.sent_outside') && event.providerMessageId) {
      this.messageKnown(event.inboxId, event.providerMessageId);
    }
  }

  private async loadPending(providerKey: string): Promise<Pending | undefined> {
    const record = await this.models.InboundEvent.findById(providerKey).lean();
    if (!record || record.status !== 'pending') return undefined;
    // Dates come back as strings from JSON; the schema-validated shape is restored here.
    return { event: this.intake.parse([JSON.parse(record.payloadJson) as InboundEventInput])[0]!, attempts: record.attempts };
  }

  private dispatch(event: InboundEvent, run: ProcessRun): Promise<ProcessResult> {
    switch (event.type) {
      case 'message.received':
        return this.enrich(event).then((resolved) => this.messages.process(resolved, run));
      case 'message.status':
        return this.statuses.status(event);
      case 'message.edited':
        return this.statuses.edited(event, run);
      case 'session.state':
        return this.statuses.session(event);
      case 'conversation.status':
        return this.statuses.conversation(event);
      case 'message.sent_outside':
        return this.statuses.sentOutside(event);
      case 'message.revoked':
        return this.annotations.revoked(event);
      case 'message.reaction':
        return this.annotations.reaction(event);
      case 'call.updated': {
        const calls = this.calls;
        if (!calls) return Promise.reject(new Error('call events need a CallProcessor'));
        if (!this.media) return calls.callUpdated(event);
        return this.media.resolve(event).then((resolved) => calls.callUpdated(resolved));
      }
      case 'contact.consent':
        if (!this.calls) return Promise.reject(new Error('consent events need a CallProcessor'));
        return this.calls.consent(event);
    }
  }
}
