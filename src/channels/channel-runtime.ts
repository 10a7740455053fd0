import type { Logger } from 'pino';
import type { ChannelAdapter, ChannelContext, ChannelRegistry, ConnectionReport } from '../core/domain/channel-adapter.js';
import type { ChannelKind } from '../core/domain/channel-kind.js';
import { SessionKeeper, type LeasePort } from './session-keeper.js';

/** What the runtime needs from the core, and no more. */
export interface ChannelHost {
  listInboxes(): Promise<Array<{ id: string; kind: ChannelKind; enabled: boolean; name: string }>>;
  channelContext(inboxId: string): Promise<ChannelContext>;
  /** Session leases; without them (single-process tests) a session starts at once. */
  leases?: LeasePort;
}

type Tester = (settings: Record<string, unknown>) => Promise<ConnectionReport>;

export type AdapterFactory = (inboxId: string) => ChannelAdapter;

/**
 * Starts one adapter per enabled inbox whose kind has a factory, and answers
 * the core's `adapterFor` lookups for outbound delivery. A channel that fails
 * to start is logged and reported on its inbox; the others still run.
 */
export class ChannelRuntime implements ChannelRegistry {
  private readonly running = new Map<string, ChannelAdapter>();
  private readonly keepers = new Map<string, SessionKeeper>();

  constructor(
    private readonly factories: Partial<Record<ChannelKind, AdapterFactory>>,
    private readonly logger: Logger,
    private readonly testers: Partial<Record<ChannelKind, Tester>> = {},
  ) {}

  testConnection(kind: ChannelKind, settings: Record<string, unknown>): Promise<ConnectionReport> | undefined {
    return this.testers[kind]?.(settings);
  }

  /** After an inbox was created or changed: stop its adapter and start it again if enabled. */
  async reload(host: ChannelHost, inboxId: string): Promise<void> {
    const inbox = (await host.listInboxes()).find((i) => i.id === inboxId);
    await this.stopOne(inboxId);
    if (inbox?.enabled) await this.startOne(host, inbox.id, inbox.kind);
  }

  adapterFor(inboxId: string): ChannelAdapter | undefined {
    return this.running.get(inboxId);
  }

  availableKinds(): ChannelKind[] {
    return Object.keys(this.factories) as ChannelKind[];
  }

  /** Whether this process runs the inbox's stateful session now (tests, health). */
  holdsSession(inboxId: string): boolean {
    return this.keepers.get(inboxId)?.holding ?? false;
  }

  async startAll(host: ChannelHost): Promise<void> {
    for (const inbox of await host.listInboxes()) {
      if (inbox.enabled) await this.startOne(host, inbox.id, inbox.kind);
    }
  }

  async startOne(host: ChannelHost, inboxId: string, kind: ChannelKind): Promise<boolean> {
    const factory = this.factories[kind];
    if (!factory) {
      this.logger.warn({ inboxId, kind }, 'no adapter for this channel kind in this build; inbox not started');
      return false;
    }
    await this.stopOne(inboxId);
    const ctx = await host.channelContext(inboxId);
    const adapter = factory(inboxId);
    try {
      await adapter.start(ctx);
      this.running.set(inboxId, adapter);
      if (adapter.startSession) {
        if (host.leases) {
          const keeper = new SessionKeeper(inboxId, adapter, ctx, host.leases, this.logger);
          this.keepers.set(inboxId, keeper);
          await keeper.start();
        } else {
          await adapter.startSession(ctx);
        }
      }
      return true;
    } catch (err) {
      this.logger.error({ err, inboxId, kind }, 'channel failed to start');
      await ctx.reportHealth({ status: 'down', detail: `start failed: ${(err as Error).message}` }).catch(() => undefined);
      return false;
    }
  }

  async stopOne(inboxId: string): Promise<void> {
    const adapter = this.running.get(inboxId);
    if (!adapter) return;
    this.running.delete(inboxId);
    const keeper = this.keepers.get(inboxId);
    this.keepers.delete(inboxId);
    if (keeper) await keeper.stop();
    else await adapter.stopSession?.().catch((err: unknown) => this.logger.warn({ err, inboxId }, 'session did not stop cleanly'));
    await adapter.stop().catch((err: unknown) => this.logger.warn({ err, inboxId }, 'channel did not stop cleanly'));
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((id) => this.stopOne(id)));
  }
}
