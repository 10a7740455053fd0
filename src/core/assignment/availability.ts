import { Types } from 'mongoose';
import type { Logger } from 'pino';
import { z } from 'zod';
import { NotFoundError } from '../errors/app-error.js';
import type { DomainEventBus } from '../events/event-bus.js';
import type { Models } from '../models/registry.js';

export const AvailabilityInputSchema = z.object({ availability: z.enum(['available', 'away']) });
export type Availability = 'available' | 'away' | 'offline';

/**
 * Whether an agent can be given tickets: the choice they store on their user
 * (available / away) and whether they have a live console socket. Realtime
 * reports the first socket and the last one gone; the agent counts as offline
 * only after `graceMs` without a socket, so a page reload or a short network
 * blip does not give their chats back. Online state is per hub process (as is
 * `realtime/agent-presence.ts`).
 */
export class AvailabilityService {
  private readonly online = new Set<string>();
  private readonly leaving = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly models: Models,
    private readonly bus: DomainEventBus,
    private readonly logger: Logger,
    private readonly graceMs: number,
  ) {}

  /** The agent's own choice, stored on the user; announced as `user.availability_changed`. */
  async set(userId: string, availability: 'available' | 'away'): Promise<Availability> {
    if (!Types.ObjectId.isValid(userId)) throw new NotFoundError('User');
    const res = await this.models.User.updateOne({ _id: userId }, { $set: { availability } });
    if (res.matchedCount === 0) throw new NotFoundError('User');
    const effective = this.online.has(userId) ? availability : 'offline';
    this.announce(userId, effective);
    this.logger.info({ userId, availability }, 'availability set');
    return effective;
  }

  async get(userId: string): Promise<Availability> {
    const user = await this.models.User.findById(userId, { availability: 1 }).lean();
    if (!user) throw new NotFoundError('User');
    return this.online.has(userId) ? (user.availability ?? 'available') : 'offline';
  }

  isOnline(userId: string): boolean {
    return this.online.has(userId);
  }

  /** Realtime: the agent has at least one socket (again). */
  connected(userId: string): void {
    const pending = this.leaving.get(userId);
    if (pending) {
      clearTimeout(pending);
      this.leaving.delete(userId);
    }
    if (this.online.has(userId)) return;
    this.online.add(userId);
    void this.get(userId)
      .then((a) => this.announce(userId, a))
      .catch((err: unknown) => this.logger.warn({ err, userId }, 'availability not announced'));
  }

  /** Realtime: the agent's last socket is gone; offline after the grace period unless they come back. */
  disconnected(userId: string): void {
    if (!this.online.has(userId) || this.leaving.has(userId)) return;
    const timer = setTimeout(() => {
      this.leaving.delete(userId);
      this.online.delete(userId);
      this.announce(userId, 'offline');
    }, this.graceMs);
    timer.unref();
    this.leaving.set(userId, timer);
  }

  stop(): void {
    for (const t of this.leaving.values()) clearTimeout(t);
    this.leaving.clear();
  }

  private announce(userId: string, availability: Availability): void {
    this.bus.publish({ type: 'user.availability_changed', at: new Date().toISOString(), userId, availability });
  }
}
