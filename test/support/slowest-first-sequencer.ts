import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Starts the slowest test files first, so the run does not end with one worker busy on an
 * 80-second file while the other is idle. Vitest does this by itself only from its results
 * cache, which a fresh CI clone does not have (it then orders by file size, and a short file
 * can be a slow one). Durations in ms, from CI or a local run; only the order within one
 * config matters, so a rough figure is enough. Files not listed keep Vitest's order, after these.
 */
export const KNOWN_DURATIONS_MS: Record<string, number> = {
  // vitest.config.ts (2 workers)
  'test/integration/assignment/fair-assignment.test.ts': 84_460,
  'test/integration/email/email-hub.test.ts': 43_217,
  'test/integration/realtime/hub-processes-redis.test.ts': 34_238,
  'test/integration/npm-start.test.ts': 30_309,
  'test/integration/email/imap-session-owner.test.ts': 22_544,
  'test/integration/reports/reports.test.ts': 20_737,
  'test/channels/email/imap-smtp.test.ts': 20_499,
  'test/integration/core/outbound-delivery.test.ts': 19_765,
  // vitest.e2e.config.ts (2 workers): one run on a busy machine, 2026-12-06, so about 2–3× CI's figures
  'test/e2e/console-webchat.test.ts': 81_519,
  'test/e2e/automation-settings.test.ts': 72_432,
  'test/e2e/admin-users.test.ts': 63_998,
  'test/e2e/merge-recipients.test.ts': 60_118,
  'test/e2e/directory-burst.test.ts': 51_158,
  'test/e2e/settings-inboxes.test.ts': 50_593,
  'test/e2e/webchat-upload.test.ts': 36_354,
  'test/e2e/composer-files-kept.test.ts': 35_805,
  'test/e2e/sla.test.ts': 32_550,
  'test/e2e/search-and-threads.test.ts': 31_441,
  'test/e2e/reconnect-catch-up.test.ts': 28_612,
  'test/e2e/webchat-socket-cap.test.ts': 27_925,
  'test/e2e/routing.test.ts': 27_706,
};

export class SlowestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const known = (f: TestSpecification) => KNOWN_DURATIONS_MS[path.relative(f.project.config.root, f.moduleId).split(path.sep).join('/')] ?? -1;
    // Files of isolated projects first, then those that share a worker's modules (vitest.config.ts): Vitest hands a
    // worker the next file without restarting it only when that file is of the same non-isolated project, so the
    // shared files must follow one another. Within each part, slowest first.
    const part = (f: TestSpecification) => (f.project.config.isolate === false ? 1 : 0);
    // Array.prototype.sort is stable: unlisted files (-1) keep the base order.
    return [...base].sort((a, b) => part(a) - part(b) || known(b) - known(a));
  }
}
