import type { Logger } from 'pino';
import type { OutboundQueue } from './outbound-queue.js';
import type { Outbox } from './outbox.js';

/**
 * Gives every outbound message still `queued`/`sending` a delivery job again.
 * At start-up (`minIdleMs` 0) this covers a crash between storing a message and
 * enqueueing it, and a crash mid-send (at-least-once in that narrow window —
 * logged). Periodically (`minIdleMs` > the longest backoff) it covers a retry
 * whose enqueue itself failed. Extra jobs are harmless: each attempt is claimed.
 */
export async function recoverQueuedDeliveries(outbox: Outbox, queue: OutboundQueue, logger: Logger, minIdleMs = 0): Promise<number> {
  const stuck = await outbox.waiting(minIdleMs);
  const tag = new Date().toISOString();
  for (const m of stuck) {
    if (m.delivery.status === 'sending') logger.warn({ messageId: String(m._id) }, 'message was being sent when delivery stopped; trying again');
    await queue.enqueue(String(m._id), m.delivery.attempts + 1, new Date(), tag);
  }
  if (stuck.length && minIdleMs > 0) logger.warn({ count: stuck.length }, 're-enqueued stranded outbound messages');
  return stuck.length;
}
