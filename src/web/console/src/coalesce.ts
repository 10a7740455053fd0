/**
 * Turns a burst of "read X again" signals into one read: `run` starts `waitMs` after the last signal (at most
 * `maxWaitMs` after the first, so a steady trickle still refreshes), and a signal that arrives while a read is
 * on its way queues one more read after it (that read may have started before the change it signals).
 * An admin importing 50 agents used to cost every open console 50 `GET /api/users` at once.
 */
export function coalesce(run: () => Promise<unknown>, waitMs = 300, maxWaitMs = 2000): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let firstAt = 0;
  let running = false;
  let again = false;

  const fire = () => {
    timer = undefined;
    firstAt = 0;
    running = true;
    void run()
      .catch(() => undefined)
      .finally(() => {
        running = false;
        if (again) {
          again = false;
          signal();
        }
      });
  };

  function signal() {
    if (running) {
      again = true;
      return;
    }
    const now = Date.now();
    if (!firstAt) firstAt = now;
    clearTimeout(timer);
    timer = setTimeout(fire, Math.max(0, Math.min(waitMs, firstAt + maxWaitMs - now)));
  }
  return signal;
}
