/**
 * Test files that keep a fresh process of their own (vitest.config.ts, project `isolated`); every other file runs
 * in a worker that has already run others and keeps their modules. These replace module or prototype methods
 * (vi.spyOn, vi.mock), stub the environment (vi.stubEnv, writes to process.env) or fake the timers: a leak of any
 * of that into the next file would make it pass or fail for reasons of its own. test/unit/test-isolation.test.ts
 * checks that a file doing any of these is listed here. A file may be listed for another reason, given beside it.
 */
export const ISOLATED_TEST_FILES = [
  // Rounds timed against child processes (a stale lock planted 150 ms before each): it failed once (two winners in
  // one round) in a shared worker at load 12, maybe from the load alone; it keeps the fresh process it always had.
  'test/integration/data-dir-lock-race.test.ts',
  'test/integration/core/crash-recovery.test.ts',
  'test/integration/core/message-keys.test.ts',
  'test/integration/core/open-work.test.ts',
  'test/integration/core/placement-decisions.test.ts',
  'test/integration/core/stop-snapshot.test.ts',
  'test/integration/database-choice.test.ts',
  'test/integration/database-starter.test.ts',
  'test/integration/memory-server-restart.test.ts',
  'test/integration/realtime/realtime.test.ts',
  'test/unit/db/restart-on-exit.test.ts',
  'test/unit/realtime/projector-directory.test.ts',
];

/** What makes a file need its own process (see above). */
export const NEEDS_ISOLATION =
  /\bvi\.(mock|doMock|spyOn|stubEnv|stubGlobal|useFakeTimers|resetModules)\b|process\.env(\.\w+|\[[^\]]+\])\s*=[^=]|delete\s+process\.env|\bmongoose\.set\(|\bprocess\.chdir\(/;
