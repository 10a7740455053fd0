import type { Logger } from 'pino';
import type { Models } from '../models/registry.js';
import type { OutboundQueue } from './outbound-queue.js';

/**
 * At start-up, make sure every outbound message still `queued` has a job (a
 * crash between storing the message and enqueueing it leaves none). A message
 * left `sending` by a crash mid-send gets one more attempt: delivery is
 * at-least-once for that narrow window, which is logged.
 */
export async function recoverQueuedDeliveries(models: Models, queue: OutboundQueue, logger: Logger): Promise<number> {
  const stuck = await models.Message.find({ direction: 'outbound', 'delivery.status': { $in: ['queued', 'sending'] } }, { delivery: 1 }).lean();
  for (const m of stuck) {
    if (m.delivery.status === 'sending') logger.warn({ messageId: String(m._id) }, 'message was being sent when the hub stopped; trying again');
    await queue.enqueue(String(m._id), m.delivery.attempts + 1);
  }
  return stuck.length;
}
