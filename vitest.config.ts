import { defineConfig } from 'vitest/config';
import { ISOLATED_TEST_FILES } from './test/support/isolated-test-files.js';
import { SlowestFirstSequencer } from './test/support/slowest-first-sequencer.js';

export default defineConfig({
  test: {
    environment: 'node',
    // Browser e2e needs Chromium and a running app; it has its own command, not the default run.
    exclude: ['test/e2e/**', 'node_modules/**', 'dist/**'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Forks keep native handles and child processes (FerretDB) in their own process; 2 cores → 2 workers.
    pool: 'forks',
    maxWorkers: 2,
    sequence: { sequencer: SlowestFirstSequencer },
    projects: [
      {
        extends: true,
        // A worker runs file after file without a restart, keeping the modules it imported: in a fresh fork every
        // file paid about 1.3 s importing the app (mongoose, express, agenda, socket.io, src/…), some 240 s of a
        // 2-worker run. Each file still starts and stops its own database, core and servers.
        test: { name: 'shared', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**', 'node_modules/**', 'dist/**', ...ISOLATED_TEST_FILES], isolate: false },
      },
      { extends: true, test: { name: 'isolated', include: ISOLATED_TEST_FILES, isolate: true } },
    ],
  },
});
