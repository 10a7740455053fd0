import type { Connection } from 'mongoose';
import type { Logger } from '../logging/logger.js';

/**
 * The embedded FerretDB answers everything but `_id` lookups by reading whole collections, so it slows
 * down as tickets accumulate (issue 18: ~1.6 s per inbox page at 15,000). Past this many tickets the
 * start-up log and `/api/health` say so, with the way out (`npm run migrate`).
 */
export const EMBEDDED_TICKET_LIMIT = 20_000;
const RECHECK_MS = 10 * 60_000;

export interface CapacityAdvice {
  tickets: number;
  limit: number;
  message: string;
}

export function capacityAdvice(databaseKind: string, tickets: number, limit = EMBEDDED_TICKET_LIMIT): CapacityAdvice | undefined {
  if (databaseKind !== 'ferretdb' || tickets <= limit) return undefined;
  return {
    tickets,
    limit,
    message:
      `${tickets} tickets on the embedded FerretDB, which serves about ${limit} well: lists and threads get slower as tickets grow. ` +
      'Move to MongoDB: stop the hub, run `npm run migrate -- --to mongodb://…`, then start with MONGODB_URI set (README, "Moving from the embedded database to MongoDB").',
  };
}

/** Counts tickets at start (warning in the log when past the limit) and every 10 minutes; `current()` is cheap. */
export async function watchEmbeddedCapacity(
  connection: Connection,
  databaseKind: string,
  logger: Logger,
  limit = EMBEDDED_TICKET_LIMIT,
): Promise<{ current(): CapacityAdvice | undefined; stop(): void }> {
  let advice: CapacityAdvice | undefined;
  const check = async () => {
    const tickets = await connection.db!.collection('tickets').estimatedDocumentCount();
    const before = advice;
    advice = capacityAdvice(databaseKind, tickets, limit);
    if (advice && !before) logger.warn({ tickets, limit }, advice.message);
  };
  if (databaseKind !== 'ferretdb') return { current: () => undefined, stop: () => undefined };
  await check().catch((err: unknown) => logger.warn({ err }, 'ticket count for the capacity check failed'));
  const timer = setInterval(() => void check().catch(() => undefined), RECHECK_MS);
  timer.unref();
  return { current: () => advice, stop: () => clearInterval(timer) };
}
