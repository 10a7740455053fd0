import type { Response } from 'express';
import type { Once } from '../../core/outbound/send-once.js';

/**
 * A send answered from an earlier request with the same `clientMessageId`: the same status and body as the
 * first answer, marked by the header Stripe and the IETF Idempotency-Key draft clients know.
 */
export function replayed<T>(res: Response, once: Once<T>): T {
  if (once.replayed) res.setHeader('Idempotent-Replayed', 'true');
  return once.result;
}
