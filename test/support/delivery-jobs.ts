import type { Connection } from 'mongoose';

/**
 * The positive signal that nothing more will be delivered for a message: no delivery job is left for it
 * (done jobs are removed as they finish; a failed one stays, finished) and at least one attempt was claimed.
 * (Waiting a fixed time instead would pass vacuously on a slow machine.) Resolves with the claimed attempts
 * (`delivery_claims`: one per attempt a worker made, whichever job made it); rejects after `ms`.
 */
export async function deliveryJobsSettled(connection: Connection, messageId: string, ms = 15_000) {
  const end = Date.now() + ms;
  for (;;) {
    const jobs = await connection
      .collection('jobs')
      .find({ name: /^outbound\.deliver/, 'data.messageId': messageId })
      .toArray();
    const claims = await deliveryClaims(connection, messageId);
    const unfinished = jobs.filter((j) => !j.lastFinishedAt || j.lockedAt || (j.nextRunAt && (!j.lastRunAt || j.nextRunAt > j.lastRunAt)));
    if (unfinished.length === 0 && claims.length > 0) return claims;
    if (Date.now() > end) throw new Error(`delivery jobs of ${messageId} not settled: ${JSON.stringify({ jobs, claims })}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The delivery attempts workers claimed for a message (an internal note must have none). */
export const deliveryClaims = (connection: Connection, messageId: string) =>
  connection.collection<{ _id: string; messageId: string; attempt: number }>('delivery_claims').find({ messageId }).toArray();
