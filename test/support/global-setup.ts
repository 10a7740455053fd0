import { ensureFerretDbBinary } from '../../src/core/db/ferretdb-launcher.js';
import { loadConfig } from '../../src/core/config/config.js';
import { createLogger } from '../../src/core/logging/logger.js';

/**
 * Vitest globalSetup: build the FerretDB launcher once, before workers start,
 * so test files don't each wait on (or race for) a multi-minute `go build`.
 * The launcher's lock file still protects runs that skip this (e.g. two vitest processes).
 */
export default async function setup(): Promise<void> {
  await ensureFerretDbBinary({ configured: loadConfig().database.ferretdbBinary, logger: createLogger('info') });
}
