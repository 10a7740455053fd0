/**
 * The database commands of one message, in the order they are sent, with their start time (ms): a new
 * conversation's first message, then its second. Which round trips wait on which (the ones that start
 * together run side by side) is what the command totals of `ingest.ts --profile` cannot show.
 *
 *   npx tsx scripts/bench/trace-commands.ts
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadConfig } from '../../src/core/config/config.js';
import { createCore } from '../../src/core/create-core.js';
import { connectMongoose } from '../../src/core/db/connect.js';
import { startDatabase } from '../../src/core/db/start-database.js';
import { createLogger } from '../../src/core/logging/logger.js';
import { modelsOf } from '../../src/core/models/models-of.js';

const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', INGEST_SWEEP_INTERVAL_MS: '600000' } as Record<string, string>);
const logger = createLogger('silent');
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ponte-trace-'));
const db = await startDatabase({ uri: undefined, dataDir, embedded: 'ferretdb', ferretdbBinary: config.database.ferretdbBinary, logger, dbName: 'trace' });
const connection = await connectMongoose(db.uri, logger, { monitorCommands: true });
const core = createCore({ config, connection, logger, secret: 'bench-secret-'.padEnd(40, 'x'), channels: { adapterFor: () => undefined }, ownsDatabase: true });
await core.start();
// Start-up's own background reads are not part of the trace.
await new Promise((r) => setTimeout(r, 3000));
const [inbox] = await modelsOf(core).Inbox.insertMany([{ kind: 'sms', name: 'bench', publicSettings: {}, health: { status: 'unknown' } }]);
let on = false;
const t0 = performance.now();
connection.getClient().on('commandStarted', (e) => {
  if (!on) return;
  const c = e.command as Record<string, unknown>;
  const name = Object.keys(c)[0]!;
  const filter = c.filter ?? (c.updates as Array<{ q: unknown }> | undefined)?.[0]?.q ?? (c.deletes as Array<{ q: unknown }> | undefined)?.[0]?.q;
  const n = (c.documents as unknown[] | undefined)?.length ?? (c.updates as unknown[] | undefined)?.length;
  console.log(`${(performance.now() - t0).toFixed(1).padStart(7)} ${String(c[name])}.${name}${n ? ` x${n}` : ''} ${filter ? JSON.stringify(filter).slice(0, 100) : ''}`);
});
for (const i of [1, 2]) {
  console.log(`--- message ${i}`);
  on = true;
  await core.ingest.accept([{ type: 'message.received', providerKey: `sms:T${i}`, inboxId: String(inbox!._id), occurredAt: new Date(), providerMessageId: `T${i}`, sender: { handle: '+5511999990000', phone: '+5511999990000' }, text: `hello ${i}`, attachments: [], threading: { conversationId: '+5511999990000' } }]);
  await core.ingest.drain();
  await new Promise((r) => setTimeout(r, 300));
  on = false;
}
await core.stop();
await db.stop();
await rm(dataDir, { recursive: true, force: true });
process.exit(0);
