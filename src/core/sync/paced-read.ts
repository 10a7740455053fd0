import type { FindCursor } from 'mongodb';

/**
 * Reads a whole collection slowly: `visit` for each document, a pause after every `batch` of them, so a
 * background read of every ticket or contact (the verification of a restored snapshot) leaves the embedded
 * database's one thread to live traffic between batches. Stops early when `stopped()` says so (the process is
 * stopping); returns the number read and whether it got to the end.
 */
export async function readPaced<T>(
  cursor: FindCursor<T>,
  opts: { batch: number; pauseMs: number; stopped: () => boolean },
  visit: (doc: T) => void,
): Promise<{ read: number; complete: boolean }> {
  let read = 0;
  for await (const doc of cursor) {
    if (opts.stopped()) {
      await cursor.close();
      return { read, complete: false };
    }
    visit(doc);
    if (++read % opts.batch === 0) await new Promise((r) => setTimeout(r, opts.pauseMs));
  }
  return { read, complete: true };
}
