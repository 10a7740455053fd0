/**
 * `npm run migrate -- --to mongodb://host:27017/ponte`: copies this install's database (MONGODB_URI, or
 * the embedded one under DATA_DIR) to a MongoDB, verifies the counts of every collection and every
 * ticket's audit chain on the target, and prints what to set next. Stop the hub first. Resumable:
 * run it again after an interruption (upserts by _id; nothing is duplicated).
 *
 *   npm run migrate -- --to <mongodb uri> [--batch 500]
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '../src/core/config/config.js';
import { connectMongoose, disconnect } from '../src/core/db/connect.js';
import { migrateDatabase } from '../src/core/db/migrate-database.js';
import { startDatabase } from '../src/core/db/start-database.js';
import { verifyMigratedChains } from '../src/core/db/verify-migrated-chains.js';
import { createLogger } from '../src/core/logging/logger.js';

const USAGE = 'usage: npm run migrate -- --to mongodb://host:27017/ponte [--batch 500]';

const ArgsSchema = z.object({
  to: z.string({ error: '--to <mongodb uri> is required' }).regex(/^mongodb(\+srv)?:\/\//, '--to must be a mongodb:// or mongodb+srv:// URI'),
  batch: z.coerce.number().int().min(1).max(10_000).default(500),
});

/** The arguments, or the line saying what is wrong with them (parseArgs throws on a missing value or an unknown option). */
function parseArguments(): z.infer<typeof ArgsSchema> | string {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ options: { to: { type: 'string' }, batch: { type: 'string' } } }).values;
  } catch (err) {
    return (err as Error).message;
  }
  const args = ArgsSchema.safeParse(values);
  if (args.success) return args.data;
  return args.error.issues.map((i) => (i.path[0] === 'to' ? i.message : `--${i.path.join('.')}: ${i.message}`)).join('; ');
}

async function main(): Promise<number> {
  const args = parseArguments();
  if (typeof args === 'string') {
    console.error(`migrate: ${args}\n${USAGE}`);
    return 2;
  }
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const db = await startDatabase({ uri: config.database.uri, dataDir: config.database.dataDir, embedded: config.database.embedded, ferretdbBinary: config.database.ferretdbBinary, downloadTimeoutMs: config.database.downloadTimeoutMs, logger });
  try {
    if (db.uri === args.to) {
      console.error('migrate: --to is the database being copied');
      return 2;
    }
    const source = await connectMongoose(db.uri, logger);
    const target = await connectMongoose(args.to, logger);
    try {
      logger.info({ from: db.kind, reason: db.reason }, 'migrating');
      const report = await migrateDatabase({ source: source.db!, target: target.db!, logger, batchSize: args.batch });
      const chains = await verifyMigratedChains(target);
      const lines = report.collections.map((c) => `  ${c.ok ? 'ok ' : 'BAD'} ${c.name.padEnd(32)} ${String(c.source).padStart(9)} → ${String(c.target).padStart(9)}`);
      process.stdout.write(`\n${lines.join('\n')}\n  audit chains: ${chains.tickets - chains.broken.length}/${chains.tickets} intact\n\n`);
      if (!report.ok || chains.broken.length > 0) {
        console.error('migrate: the copy does not match (see above); run it again (it resumes), with the hub stopped.');
        return 1;
      }
      process.stdout.write(`  Done. Start the hub on the new database with MONGODB_URI=${args.to}\n  and SECRET_KEY set to the content of ${config.database.dataDir}/secret.key (embedded installs generated it).\n\n`);
      return 0;
    } finally {
      await disconnect(target);
      await disconnect(source);
    }
  } finally {
    await db.stop();
  }
}

/** What the operator can act on, in one line; anything else keeps its stack (a bug). */
function explain(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  if (['MigrationTargetError', 'DataDirInUseError', 'NoDatabaseError', 'ValidationError'].includes(err.name)) return err.message;
  if (err.name === 'MongoServerSelectionError') return `cannot reach the database (${err.message}). Is the host and port in the URI right, and is the server running?`;
  const code = (err as { code?: unknown }).code;
  if (code === 18 || /authentication failed/i.test(err.message)) return `the database refused the user name or password in the URI (${err.message}).`;
  if (code === 13) return `the user in the URI may not write there (${err.message}).`;
  return undefined;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const told = explain(err);
    if (told) console.error(`migrate: ${told}`);
    else console.error('migrate failed:', err);
    process.exit(1);
  },
);
