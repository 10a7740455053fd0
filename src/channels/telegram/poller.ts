import type { Logger } from 'pino';
import type { ChannelContext } from '../../core/domain/channel-adapter.js';
import type { InboundEventInput } from '../../core/domain/inbound-event.js';
import { ValidationError } from '../../core/errors/app-error.js';
import { toChannelError } from './api-errors.js';
import type { TelegramApi } from './client.js';
import { ALLOWED_UPDATES } from './settings.js';
import { TelegramUpdateSchema, type TelegramUpdate } from './update-schema.js';

/** The next `update_id` to ask for, in `ctx.state`. */
export const OFFSET_KEY = 'telegram.offset';

export interface PollerOptions {
  api: TelegramApi;
  ctx: ChannelContext;
  toEvents(update: TelegramUpdate): InboundEventInput[];
  /** Long-poll wait Telegram holds a `getUpdates` open (seconds). */
  pollTimeoutSeconds?: number;
  backoff?: { initialMs?: number; maxMs?: number };
  logger: Logger;
}

/**
 * Long polling of one bot, run only by the process holding the inbox's session lease (so one poller per bot:
 * two would steal each other's updates and Telegram answers the second 409).
 *
 * No loss, no repeat across restarts: the offset (last update_id + 1) is saved only after `ctx.emit` resolved,
 * i.e. after the batch is stored. Telegram keeps every update at or above the offset we ask with, so a crash
 * before the save means the batch comes again — and is stored once, its provider keys being duplicates.
 */
export class TelegramPoller {
  private running = false;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private failures = 0;

  constructor(private readonly opts: PollerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort?.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { ctx, logger } = this.opts;
    let offset = (await ctx.state.get<number>(OFFSET_KEY).catch(() => undefined)) ?? undefined;
    while (this.running) {
      try {
        this.abort = new AbortController();
        const raw = (await this.opts.api.callApi(
          'getUpdates',
          { offset, timeout: this.opts.pollTimeoutSeconds ?? 25, allowed_updates: [...ALLOWED_UPDATES] },
          // telegraf types the signal as the abort-controller polyfill's; Node's own is what node-fetch takes.
          { signal: this.abort.signal as never },
        )) as unknown[];
        if (!this.running) break; // stopped while waiting: the batch is left for the next owner
        if (raw.length) {
          await this.store(raw);
          const next = Math.max(...raw.map((u) => Number((u as { update_id?: unknown }).update_id))) + 1;
          // Moved in memory only once saved: a failed save fetches the batch again (stored once), as a crash would.
          await ctx.state.set(OFFSET_KEY, next);
          offset = next;
        }
        if (this.failures) await ctx.reportHealth({ status: 'ok', detail: 'polling Telegram' }).catch(() => undefined);
        this.failures = 0;
      } catch (err) {
        if (!this.running) break;
        const e = toChannelError(err);
        this.failures++;
        const wait =
          e.retryAfterMs ??
          Math.min(
            this.opts.backoff?.maxMs ?? 30_000,
            (this.opts.backoff?.initialMs ?? 1_000) * 2 ** (this.failures - 1),
          );
        logger.warn({ code: e.code, reason: e.message, waitMs: wait }, 'telegram polling failed; trying again');
        await ctx.reportHealth({ status: e.retryable ? 'degraded' : 'down', detail: e.message }).catch(() => undefined);
        await this.sleep(wait);
      }
    }
  }

  /**
   * Stores a batch in one `emit`. A batch the core refuses as invalid is stored update by update, so one odd
   * update (logged with its id) cannot hold up the chat forever; any other failure (database down) throws
   * and the batch is fetched again.
   */
  private async store(raw: unknown[]): Promise<void> {
    const events = raw.flatMap((u) => this.eventsOf(u));
    if (!events.length) return;
    try {
      await this.opts.ctx.emit(events);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      for (const u of raw) {
        const one = this.eventsOf(u);
        if (!one.length) continue;
        await this.opts.ctx.emit(one).catch((e: unknown) => {
          if (!(e instanceof ValidationError)) throw e;
          this.opts.logger.error(
            { updateId: (u as { update_id?: unknown }).update_id, reason: e.message },
            'telegram update refused; skipped',
          );
        });
      }
    }
  }

  private eventsOf(raw: unknown): InboundEventInput[] {
    const parsed = TelegramUpdateSchema.safeParse(raw);
    if (!parsed.success) {
      const updateId = (raw as { update_id?: unknown })?.update_id;
      this.opts.logger.error(
        { updateId, issues: parsed.error.issues.slice(0, 5) },
        'unreadable telegram update; skipped',
      );
      return [];
    }
    return this.opts.toEvents(parsed.data);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.abort = new AbortController();
      this.abort.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
