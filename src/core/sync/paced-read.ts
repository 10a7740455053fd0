import type { FindCursor } from 'mongodb';

/**
 * Reads a whole collection slowly: `visit` for each document, and after every `batch` of them a pause long
 * enough that the read holds the database at most `share` of the time (the pause is the batch's own time
 * × (1 − share) / share, at least `minPauseMs`). The verification of a restored snapshot reads every ticket
 * and contact this way, so the embedded database's one thread stays mostly with live traffic: at a fixed
 * pause, a 500-ticket batch held it ~55% of the time and live messages waited ~0.4 s (docs/benchmarks.md).
 * Stops early when `stopped()` says so (the process is stopping); returns the number read and whether it got
 * to the end.
 */
export async function readPaced<T>(
  cursor: FindCursor<T>,
  opts: { batch: number; share: number; minPauseMs: number; stopped: () => boolean },
  visit: (doc: T) => void,
): Promise<{ read: number; complete: boolean }> {
  let read = 0;
  let since = performance.now();
  for await (const doc of cursor) {
    if (opts.stopped()) {
      await cursor.close();
      return { read, complete: false };
    }
    visit(doc);
    if (++read % opts.batch === 0) {
      const took = performance.now() - since;
      await new Promise((r) => setTimeout(r, Math.max(opts.minPauseMs, (took * (1 - opts.share)) / opts.share)));
      since = performance.now();
    }
  }
  return { read, complete: true };
}
