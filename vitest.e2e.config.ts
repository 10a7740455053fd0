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
    // The files run one after another in one process that keeps its modules (and one Chromium, support/browser.ts):
    // each file re-importing the app and playwright cost ~2.8 s (100 s of a CI run). Every file starts its own app
    // on its own database, so nothing a test touches is shared; nothing here mocks modules or stubs the env.
    isolate: false,
    sequence: { sequencer: SlowestFirstSequencer },
  },
});
