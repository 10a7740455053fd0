import type { Message } from '../models/message.js';
import type { Models } from '../models/registry.js';

/** An earlier message of the lane not sent or failed yet: this one waits behind it. */
export interface EarlierPending {
  messageId: string;
  status: Message['delivery']['status'];
  lastError?: string;
}

/** The earlier message failed for good: this one goes anyway (see docs/architecture.md, Outbound order). */
export interface EarlierFailed {
  messageId: string;
  lastError?: string;
}

export type OrderCheck = { go: true; earlierFailed?: EarlierFailed } | { go: false; waitFor: EarlierPending };

const pending: ReadonlySet<string> = new Set(['queued', 'sending']);

/**
 * May this message go now? Only the message accepted just before it in its lane is read (by `_id`): that one
 * went only once its own predecessor had, so the whole lane before it is done. It blocks while `queued` or
 * `sending` — unless an agent's retry queued it again after this one was accepted (its place is then later
 * than ours). A message that is gone (deleted, or its insert never happened after its place was taken) does not block.
 */
export async function checkOrder(models: Pick<Models, 'Message'>, message: Pick<Message, 'order'>): Promise<OrderCheck> {
  const order = message.order;
  if (!order?.after) return { go: true };
  const earlier = await models.Message.findById(order.after, { delivery: 1, order: 1 }).lean();
  if (!earlier) return { go: true };
  const requeuedLater = earlier.order?.lane === order.lane && earlier.order.seq > order.seq;
  if (pending.has(earlier.delivery.status) && !requeuedLater) {
    return { go: false, waitFor: { messageId: order.after, status: earlier.delivery.status, ...(earlier.delivery.lastError ? { lastError: earlier.delivery.lastError } : {}) } };
  }
  if (earlier.delivery.status === 'failed') return { go: true, earlierFailed: { messageId: order.after, ...(earlier.delivery.lastError ? { lastError: earlier.delivery.lastError } : {}) } };
  return { go: true };
}

/**
 * How long a message waiting behind an earlier one sleeps before it looks again: short at first (a slow send
 * ends in seconds), longer (up to 5 s) while the earlier one sits in a retry's backoff. The earlier message's end wakes a
 * waiter of the same process at once (`OrderWaiters`); this bound is for a waiter in another hub process.
 */
export function recheckDelay(acceptedAt: Date, now = new Date()): number {
  return Math.min(RECHECK_MAX_MS, Math.max(1_000, Math.round((now.getTime() - acceptedAt.getTime()) / 4)));
}

/**
 * The most a waiter in another process lags behind the end of the message it waits for (plus a job poll). A
 * recheck is one job and one `_id` read; a burst of N replies to one conversation held up for a minute costs
 * about 12 × N of them.
 */
const RECHECK_MAX_MS = 5_000;

type Wake = () => void;

/**
 * The messages of this process waiting behind another message, by the id of the one they wait for. Only
 * latency: a waiter not woken (the earlier message ended in another process, or this one restarted) looks
 * again after `recheckDelay` from its own job in the database.
 */
export class OrderWaiters {
  private readonly waiting = new Map<string, Map<string, Wake>>();

  /**
   * `messageId` waits for `earlierId` (again: replaces its earlier wake). Registered before the earlier message
   * is read, so its end cannot fall between the read and this.
   */
  add(earlierId: string, messageId: string, wake: Wake): void {
    const map = this.waiting.get(earlierId) ?? new Map<string, Wake>();
    map.set(messageId, wake);
    this.waiting.set(earlierId, map);
  }

  remove(earlierId: string, messageId: string): void {
    const map = this.waiting.get(earlierId);
    map?.delete(messageId);
    if (map && !map.size) this.waiting.delete(earlierId);
  }

  /** The message ended (sent or failed): who waited for it may go. */
  ended(messageId: string): void {
    const map = this.waiting.get(messageId);
    if (!map) return;
    this.waiting.delete(messageId);
    for (const wake of map.values()) wake();
  }
}
