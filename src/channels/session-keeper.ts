import type { Logger } from 'pino';
import type { ChannelAdapter, ChannelContext } from '../core/domain/channel-adapter.js';

/** The part of `core/inboxes/session-lease.ts` the runtime uses. */
export interface LeasePort {
  readonly holderId: string;
  readonly ttlMs: number;
  tryClaim(inboxId: string): Promise<LeaseHandle | undefined>;
  renew(lease: LeaseHandle): Promise<boolean>;
  release(lease: LeaseHandle): Promise<void>;
}
export interface LeaseHandle {
  inboxId: string;
  generation: number;
  expiresAt: Date;
}

/**
 * Runs an adapter's stateful session (`startSession`) only while this process holds the inbox's lease: tries
 * to claim it every third of the lease time, renews it while held, stops the session the moment the lease is
 * lost, and releases it on stop so another process can take over at once.
 */
export class SessionKeeper {
  private lease: LeaseHandle | undefined;
  private timer: NodeJS.Timeout | undefined;
  private tick: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly inboxId: string,
    private readonly adapter: ChannelAdapter,
    private readonly ctx: ChannelContext,
    private readonly leases: LeasePort,
    private readonly logger: Logger,
  ) {}

  get holding(): boolean {
    return this.lease !== undefined;
  }

  start(): Promise<void> {
    const every = Math.max(50, Math.floor(this.leases.ttlMs / 3));
    this.timer = setInterval(() => this.schedule(), every);
    this.timer.unref();
    return this.schedule();
  }

  /** One step at a time: a slow claim or renew never overlaps the next. */
  private schedule(): Promise<void> {
    this.tick = this.tick.then(() => this.step()).catch((err: unknown) => {
      this.logger.warn({ err, inboxId: this.inboxId }, 'session lease step failed; trying again at the next heartbeat');
    });
    return this.tick;
  }

  private async step(): Promise<void> {
    if (this.stopped) return;
    if (this.lease) {
      const kept = await this.leases.renew(this.lease).catch(() => false);
      if (kept) return;
      this.logger.warn({ inboxId: this.inboxId }, 'session lease lost; stopping the session here');
      this.lease = undefined;
      await this.adapter.stopSession?.();
      return;
    }
    const lease = await this.leases.tryClaim(this.inboxId);
    if (!lease) return;
    this.lease = lease;
    try {
      await this.adapter.startSession?.(this.ctx);
    } catch (err) {
      this.logger.error({ err, inboxId: this.inboxId }, 'channel session failed to start; lease released');
      this.lease = undefined;
      await this.leases.release(lease).catch(() => undefined);
      await this.ctx
        .reportHealth({ status: 'down', detail: `session start failed: ${(err as Error).message}` })
        .catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.tick;
    const lease = this.lease;
    this.lease = undefined;
    if (!lease) return;
    await this.adapter.stopSession?.().catch((err: unknown) => this.logger.warn({ err, inboxId: this.inboxId }, 'session did not stop cleanly'));
    await this.leases.release(lease).catch((err: unknown) => this.logger.warn({ err, inboxId: this.inboxId }, 'lease not released; it expires'));
  }
}
