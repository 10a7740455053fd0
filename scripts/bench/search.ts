/**
 * Ticket search at 1,000 and 20,000 tickets. Tickets are seeded through the public ingest path
 * (`core.ingest.accept`: contact, threading, message, audit, domain event — and so the search index, kept
 * from those events), each an SMS conversation with a contact name and a body of ordinary words; then a mix
 * of searches runs as an admin (sees everything) and as an agent of one department (visibility filtered),
 * and the times are printed (median / p90), next to the raw `{_id}` lookup time of the same database.
 *
 *   npx tsx scripts/bench/search.ts [--sizes 1000,20000] [--rounds 5] [--concurrency 20]
 *   (MONGODB_URI=… to run against a real MongoDB instead of an embedded FerretDB)
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Types } from 'mongoose';
import { loadConfig } from '../../src/core/config/config.js';
import { createCore } from '../../src/core/create-core.js';
import { connectMongoose, disconnect } from '../../src/core/db/connect.js';
import { startDatabase } from '../../src/core/db/start-database.js';
import { createLogger } from '../../src/core/logging/logger.js';
import { modelsOf } from '../../src/core/models/models-of.js';
import type { Viewer } from '../../src/core/users/viewer.js';
import { benchDatabaseUri } from './bench-database.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,20000' },
    rounds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '20' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const rounds = Number(values.rounds);
const concurrency = Number(values.concurrency);

const first = ['Ana', 'María', 'João', 'José', 'Lúcia', 'Pedro', 'Carla', 'Tomás', 'Inês', 'Rafael', 'Beatriz', 'Luís', 'Sofía', 'Miguel', 'Helena', 'Gabriel'];
const last = ['Souza', 'Silva', 'Gonçalves', 'Pereira', 'Araújo', 'Fernández', 'Ribeiro', 'Martins', 'Castro', 'Gómez', 'Lima', 'Rocha'];
const words = (
  'pedido entrega atraso fatura boleto cobrança senha acesso conta cartão reembolso troca produto defeito garantia ' +
  'endereço prazo cancelamento assinatura plano desconto cupom nota fiscal transportadora rastreio pagamento pix ' +
  'pedido problema ajuda obrigado urgente ontem semana loja aplicativo erro tela login bloqueado devolução'
).split(' ');

// Deterministic pseudo-random words so each run seeds the same text.
let seed = 42;
const rnd = (n: number) => {
  // mulberry32: integer arithmetic only (a float LCG loses bits and cycles over a few words).
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) % n;
};
const pick = <T>(xs: T[]) => xs[rnd(xs.length)]!;

async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function main() {
  const config = loadConfig({ ...process.env, LOG_LEVEL: 'silent', INGEST_SWEEP_INTERVAL_MS: '600000' } as Record<string, string>);
  const logger = createLogger('silent');
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ponte-bench-'));
  const db = await startDatabase({ uri: benchDatabaseUri(config.database.uri), dataDir, embedded: 'ferretdb', ferretdbBinary: config.database.ferretdbBinary, logger, dbName: `bench_${Date.now()}` });
  const connection = await connectMongoose(db.uri, logger);
  const core = createCore({ config, connection, logger, secret: 'bench-secret-'.padEnd(40, 'x'), channels: { adapterFor: () => undefined }, ownsDatabase: !config.database.uri });
  await core.start();
  const models = modelsOf(core);
  const [sales, support] = await models.Department.insertMany([{ name: 'Sales' }, { name: 'Support' }]);
  const inboxes = await models.Inbox.insertMany([
    { kind: 'sms', name: 'bench-sales', departmentId: sales!._id, publicSettings: {}, health: { status: 'unknown' } },
    { kind: 'sms', name: 'bench-support', departmentId: support!._id, publicSettings: {}, health: { status: 'unknown' } },
  ]);
  const admin: Viewer = { id: String(new Types.ObjectId()), role: 'admin', departmentIds: [], name: 'bench', email: 'bench@example.com' };
  const agent: Viewer = { ...admin, role: 'agent', departmentIds: [String(support!._id)] };

  console.log(`database ${db.kind}`);
  let seeded = 0;
  for (const size of sizes) {
    const t0 = performance.now();
    const events = Array.from({ length: size - seeded }, (_, k) => {
      const i = seeded + k;
      const phone = `+55119${String(10_000_000 + i).padStart(8, '0')}`;
      const body = Array.from({ length: 12 }, () => pick(words)).join(' ') + ` ref${i}`;
      return {
        type: 'message.received' as const,
        providerKey: `sms:SEARCH${i}`,
        inboxId: String(inboxes[i % 2]!._id),
        occurredAt: new Date(),
        providerMessageId: `SEARCH${i}`,
        sender: { handle: phone, phone, displayName: `${pick(first)} ${pick(last)}` },
        text: body,
        attachments: [],
        threading: { conversationId: phone },
      };
    });
    await pool(events, concurrency, (e) => core.ingest.accept([e]));
    await core.ingest.drain();
    const processed = performance.now();
    await core.search.settled();
    seeded = size;
    const tickets = await models.Ticket.countDocuments({});
    console.log(
      `seeded ${tickets} tickets: ingest ${((processed - t0) / 1000).toFixed(1)} s, index caught up ${((performance.now() - processed) / 1000).toFixed(1)} s later`,
    );

    // Raw rate of the database: one `{_id}` lookup of a ticket.
    const someIds = (await models.Ticket.find({}, { _id: 1 }).limit(50).lean()).map((t) => t._id);
    const raw: number[] = [];
    for (const id of someIds) {
      const s = performance.now();
      await models.Ticket.findById(id).lean();
      raw.push(performance.now() - s);
    }
    console.log(`  raw {_id} lookup            median ${pct(raw, 50).toFixed(2)} ms  p90 ${pct(raw, 90).toFixed(2)} ms`);

    const queries: Array<[string, string]> = [
      ['one common word', 'entrega'],
      ['prefix as typed', 'reemb'],
      ['accented name, unaccented', 'maria souza'],
      ['two body words', 'boleto atraso'],
      ['rare reference', `ref${Math.floor(size / 3)}`],
      ['no match', 'zebra'],
      ['ticket number', `#${Math.floor(size / 2)}`],
      ['phone digits', `119${10_000_000 + Math.floor(size / 4)}`],
    ];
    for (const viewer of [admin, agent]) {
      const all: number[] = [];
      for (const [label, q] of queries) {
        const times: number[] = [];
        let hits = 0;
        for (let r = 0; r < rounds; r++) {
          const s = performance.now();
          const result = await core.search.tickets(viewer, { q, limit: 25 });
          times.push(performance.now() - s);
          hits = result.items.length;
        }
        all.push(...times);
        console.log(`  ${viewer.role.padEnd(6)} ${label.padEnd(26)} ${JSON.stringify(q).padEnd(16)} hits ${String(hits).padStart(2)}  median ${pct(times, 50).toFixed(1)} ms  p90 ${pct(times, 90).toFixed(1)} ms`);
      }
      console.log(`  ${viewer.role.padEnd(6)} all searches at ${size}: median ${pct(all, 50).toFixed(1)} ms  p90 ${pct(all, 90).toFixed(1)} ms  max ${Math.max(...all).toFixed(1)} ms`);
    }
  }

  const t1 = performance.now();
  await core.stop();
  console.log(`(core stopped in ${((performance.now() - t1) / 1000).toFixed(1)} s)`);
  if (db.kind === 'mongodb') await connection.dropDatabase();
  await disconnect(connection);
  await db.stop();
  await rm(dataDir, { recursive: true, force: true });
}

main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
