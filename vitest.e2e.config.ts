import { defineConfig } from 'vitest/config';
import { SlowestFirstSequencer } from './test/support/slowest-first-sequencer.js';

/**
 * Browser end-to-end tests: the whole app in-process on FerretDB, driven with
 * Debian's Chromium through playwright-core. `npx vitest run -c vitest.e2e.config.ts`.
 */
export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts', 'test/e2e/support/build-clients.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    sequence: { sequencer: SlowestFirstSequencer },
  },
});
