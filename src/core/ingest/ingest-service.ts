import type { Logger } from 'pino';
import { orderingKey, type EventIntake, type AcceptOutcome } from './event-intake.js';
import type { MessageProcessor, ProcessResult } from './message-processor.js';
import { NotYetKnownError, type StatusProcessor } from './status-processor.js';
import type { InboundEvent, InboundEventInput } from '../domain/inbound-event.js';
import type { DomainEventBus } from '../events/event-bus.js';
import type { Models } from '../models/registry.js';
import { withTransientRetry } from '../db/transient-retry.js';
import { KeyedMutex } from '../sync/keyed-mutex.js';

const MAX_ATTEMPTS = 8;

/**
 * The one entry point for everything channels receive. `accept` stores and
 * returns (so webhooks can answer the platform at once); processing follows
 * from the stored record, in order per conversation. `sweep` finishes what a
 * crash or a transient failure left pending.
 */
export class IngestService {
  private readonly queue = new KeyedMutex();
  private sweeping: Promise<number> | undefined;

  constructor(
    private readonly models: Models,
    private readonly intake: EventIntake,
    private readonly messages: MessageProcessor,
    private readonly statuses: StatusProcessor,
    private readonly bus: DomainEventBus,
    private readonly logger: Logger,
  ) {}

  /** Validates every event first (all or nothing), then stores each and schedules its processing. */
  async accept(inputs: InboundEventInput[]): Promise<{ accepted: number; duplicates: number; results: AcceptOutcome[] }> {
    const events = this.intake.parse(inputs);
    const results: AcceptOutcome[] = [];
    for (const event of events) {
      const outcome = await this.intake.store(event);
      results.push(outcome);
      if (outcome.status === 'accepted') this.schedule(event.providerKey, event);
    }
    const accepted = results.filter((r) => r.status === 'accepted').length;
    return { accepted, duplicates: results.length - accepted, results };
  }

  /** Resolves when everything scheduled so far has been processed. */
  drain(): Promise<void> {
    return this.queue.idle();
  }

  /** Processes stored events still pending (crash recovery). Returns how many it picked up. */
  sweep(minAgeMs: number): Promise<number> {
    this.sweeping ??= this.sweepNow(minAgeMs).finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  private async sweepNow(minAgeMs: number): Promise<number> {
    const cutoff = new Date(Date.now() - minAgeMs);
    const pending = await this.models.InboundEvent.find({ status: 'pending', receivedAt: { $lte: cutoff } })
      .sort({ receivedAt: 1 })
      .limit(1000)
      .lean();
    for (const record of pending) {
      this.schedule(record._id, JSON.parse(record.payloadJson) as InboundEvent);
    }
    if (pending.length) this.logger.info({ count: pending.length }, 'sweeper re-queued pending inbound events');
    await this.drain();
    return pending.length;
  }

  private schedule(providerKey: string, event: InboundEvent): void {
    const key = orderingKey(event);
    void this.queue.run(key, () => this.processStored(providerKey)).catch((err: unknown) => {
      this.logger.error({ err, providerKey }, 'inbound processing crashed');
    });
  }

  private async processStored(providerKey: string): Promise<void> {
    const record = await this.models.InboundEvent.findById(providerKey).lean();
    if (!record || record.status !== 'pending') return;
    // Dates come back as strings from JSON; the schema-validated shape is restored here.
    const event = this.intake.parse([JSON.parse(record.payloadJson) as InboundEventInput])[0]!;
    const log = this.logger.child({ providerKey, inboxId: record.inboxId, type: record.type });
    let result: ProcessResult;
    try {
      // Processing is idempotent (every step is keyed), so a transient database error just runs it again.
      result = await withTransientRetry(() => this.dispatch(event), 4, 100);
    } catch (err) {
      const attempts = record.attempts + 1;
      const failed = attempts >= MAX_ATTEMPTS;
      await withTransientRetry(() =>
        this.models.InboundEvent.updateOne(
          { _id: providerKey },
          { $set: { attempts, lastError: String((err as Error).message ?? err), status: failed ? 'failed' : 'pending' } },
        ),
      );
      if (err instanceof NotYetKnownError && !failed) log.debug({ attempts }, 'inbound event waits for its message');
      else log[failed ? 'error' : 'warn']({ err, attempts }, failed ? 'inbound event failed permanently' : 'inbound event failed; will retry');
      return;
    }
    // The message, ticket and audit writes are done: tell the consoles even if the bookkeeping below fails.
    for (const e of result.events) this.bus.publish(e);
    try {
      await withTransientRetry(() =>
        this.models.InboundEvent.updateOne(
          { _id: providerKey },
          {
            $set: {
              status: 'processed',
              processedAt: new Date(),
              attempts: record.attempts + 1,
              result: {
                outcome: result.outcome,
                ...(result.ticketId ? { ticketId: result.ticketId } : {}),
                ...(result.messageId ? { messageId: result.messageId } : {}),
              },
            },
          },
        ),
      );
    } catch (err) {
      // Still pending: the sweeper re-runs it, which finds everything stored and changes nothing.
      log.error({ err }, 'could not mark the inbound event processed');
    }
  }

  private dispatch(event: InboundEvent): Promise<ProcessResult> {
    switch (event.type) {
      case 'message.received':
        return this.messages.process(event);
      case 'message.status':
        return this.statuses.status(event);
      case 'message.edited':
        return this.statuses.edited(event);
      case 'session.state':
        return this.statuses.session(event);
    }
  }
}
