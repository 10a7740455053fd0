import type { Connection } from 'mongoose';

/**
 * The positive signal that nothing more will be delivered for a message: every delivery job agenda holds for
 * it has finished and none is scheduled or running. (Waiting a fixed time instead would pass vacuously on a
 * slow machine.) Resolves with the jobs; rejects after `ms`.
 */
export async function deliveryJobsSettled(connection: Connection, messageId: string, ms = 15_000) {
  const end = Date.now() + ms;
  for (;;) {
    const jobs = await connection
      .collection('jobs')
      .find({ name: 'outbound.deliver', 'data.messageId': messageId })
      .toArray();
    const settled =
      jobs.length > 0 &&
      jobs.every((j) => j.lastFinishedAt && !j.lockedAt && (!j.nextRunAt || j.nextRunAt <= j.lastRunAt));
    if (settled) return jobs;
    if (Date.now() > end) throw new Error(`delivery jobs of ${messageId} not settled: ${JSON.stringify(jobs)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Delivery jobs ever created for a message (an internal note must have none). */
export const deliveryJobCount = (connection: Connection, messageId: string) =>
  connection.collection('jobs').countDocuments({ name: 'outbound.deliver', 'data.messageId': messageId });
