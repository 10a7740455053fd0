import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../src/core/logging/logger.js';
import { RestartOnExit } from '../../../src/core/db/restart-on-exit.js';

/** Runs of a pretend database process: each start takes the next outcome (`fail`: the start throws). */
function processes(outcomes: Array<'ok' | 'fail'> = []) {
  let pid = 100;
  const started: number[] = [];
  const stopped: number[] = [];
  return {
    started,
    stopped,
    start: async () => {
      if ((outcomes.shift() ?? 'ok') === 'fail') throw new Error('port taken');
      const run = ++pid;
      started.push(run);
      return { pid: run, stop: async () => void stopped.push(run) };
    },
  };
}

const logger = createLogger('silent');

describe('RestartOnExit', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('starts again after the first delay, then waits longer while it keeps exiting soon after its start', async () => {
    const p = processes();
    const s = await RestartOnExit.start({ what: 'db', logger, start: p.start, delaysMs: [200, 1_000, 5_000] });
    s.exited();
    await vi.advanceTimersByTimeAsync(199);
    expect(p.started).toEqual([101]);
    await vi.advanceTimersByTimeAsync(1);
    expect(p.started).toEqual([101, 102]);
    expect(s.current.pid).toBe(102);
    s.exited();
    await vi.advanceTimersByTimeAsync(999);
    expect(p.started).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.restarts).toBe(2);
    s.exited();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(p.started).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(p.started).toHaveLength(4);
  });

  it('a run that stayed up a minute counts as healthy: its exit is restarted quickly again', async () => {
    const p = processes();
    const s = await RestartOnExit.start({ what: 'db', logger, start: p.start, delaysMs: [200, 5_000] });
    s.exited();
    await vi.advanceTimersByTimeAsync(200);
    await vi.advanceTimersByTimeAsync(61_000);
    s.exited();
    await vi.advanceTimersByTimeAsync(200);
    expect(s.restarts).toBe(2);
  });

  it('a start that fails is tried again after a longer wait', async () => {
    const p = processes(['ok', 'fail', 'fail', 'ok']);
    const s = await RestartOnExit.start({ what: 'db', logger, start: p.start, delaysMs: [200, 1_000, 2_000] });
    s.exited();
    await vi.advanceTimersByTimeAsync(200 + 1_000);
    expect(s.restarts).toBe(0);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(s.restarts).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.restarts).toBe(1);
    expect(p.started).toEqual([101, 102]);
  });

  it('an exit reported twice (or during a restart) starts one process', async () => {
    const p = processes();
    const s = await RestartOnExit.start({ what: 'db', logger, start: p.start, delaysMs: [200] });
    s.exited();
    s.exited();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(p.started).toEqual([101, 102]);
  });

  it('stopped while a restart is due: nothing is started, and the current run is stopped', async () => {
    const p = processes();
    const s = await RestartOnExit.start({ what: 'db', logger, start: p.start, delaysMs: [200] });
    s.exited();
    await s.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(p.started).toEqual([101]);
    expect(p.stopped).toEqual([101]);
    s.exited();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(p.started).toEqual([101]);
  });
});
