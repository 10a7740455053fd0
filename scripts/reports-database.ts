// The database the report scripts work on, opened like the hub opens it (config → starter → mongoose),
// with the report service alone (no jobs, no channels, no event subscription).
import { loadConfig } from '../src/core/config/config.js';
import { connectMongoose, disconnect } from '../src/core/db/connect.js';
import { startDatabase } from '../src/core/db/start-database.js';
import { DomainEventBus } from '../src/core/events/event-bus.js';
import { createLogger } from '../src/core/logging/logger.js';
import { registerModels } from '../src/core/models/registry.js';
import { ReportsService } from '../src/core/reports/reports-service.js';
import type { Viewer } from '../src/core/users/viewer.js';

export const reportAdmin: Viewer = { id: '000000000000000000000000', name: 'Reports script', email: 'reports@localhost', role: 'admin', departmentIds: [] };

/** `dataDir` overrides DATA_DIR (the seed and the benchmark use a database of their own). */
export async function openReports(env: Record<string, string | undefined> = {}) {
  const config = loadConfig({ ...process.env, ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) } as NodeJS.ProcessEnv);
  const logger = createLogger(config.logLevel === 'silent' ? 'silent' : 'warn');
  const db = await startDatabase({ uri: config.database.uri, dataDir: config.database.dataDir, embedded: config.database.embedded, ferretdbBinary: config.database.ferretdbBinary, logger });
  const connection = await connectMongoose(db.uri, logger);
  const models = registerModels(connection);
  const reports = new ReportsService(connection, models, new DomainEventBus(logger), config.tickets.timeZone, logger);
  return {
    config,
    db,
    connection,
    models,
    reports,
    async close() {
      await disconnect(connection);
      await db.stop();
    },
  };
}
