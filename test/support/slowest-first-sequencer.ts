import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Starts the slowest test files first, so the run does not end with one worker busy on an
 * 80-second file while the other is idle. Vitest does this by itself only from its results
 * cache, which a fresh CI clone does not have (it then orders by file size, and a short file
 * can be a slow one). Durations are CI's, in ms; only the order matters, so a rough figure
 * is enough. Files not listed keep Vitest's order, after these.
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
  // vitest.e2e.config.ts
  'test/e2e/console-webchat.test.ts': 30_128,
  'test/e2e/admin-users.test.ts': 23_062,
  'test/e2e/send-once.test.ts': 20_773,
  'test/e2e/settings-inboxes.test.ts': 19_346,
};

export class SlowestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const known = (f: TestSpecification) => KNOWN_DURATIONS_MS[path.relative(f.project.config.root, f.moduleId).split(path.sep).join('/')] ?? -1;
    // Array.prototype.sort is stable: unlisted files (-1) keep the base order.
    return [...base].sort((a, b) => known(b) - known(a));
  }
}
