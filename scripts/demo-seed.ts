/**
 * `npm run demo`: seeds a demo team on the configured database (the embedded
 * one under DATA_DIR by default), then `npm start` runs as usual. Idempotent:
 * run it again and it only adds what is missing.
 *
 *   departments  Support · Sales · Billing
 *   agents       ana@demo.ponte.local (Support), bruno@… (Sales), diego@… (Billing),
 *                carla@… (supervisor) — password `ponte-demo-2026` (demo only!)
 *   canned       /hello /thanks /order /refund /bye (EN/PT/ES variants) with {{contact.name}}, {{ticket.number}}, {{agent.name}}
 *   a web chat inbox (Support) with three customer conversations, so the console is not empty
 *
 *   npx tsx scripts/demo-seed.ts [--no-conversations]
 */
import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import { parseArgs } from 'node:util';
import { ensureDefaultWebchatInbox } from '../src/channels/webchat/default-inbox.js';
import { CannedResponseService } from '../src/core/canned/canned-service.js';
import { loadConfig } from '../src/core/config/config.js';
import { createCore, type Core } from '../src/core/create-core.js';
import { resolveInstanceSecret } from '../src/core/crypto/instance-secret.js';
import { connectMongoose, disconnect } from '../src/core/db/connect.js';
import { startDatabase } from '../src/core/db/start-database.js';
import { ConflictError } from '../src/core/errors/app-error.js';
import { createLogger } from '../src/core/logging/logger.js';
import type { Viewer } from '../src/core/users/viewer.js';
import { modelsOf } from '../src/core/models/models-of.js';

export const DEMO_PASSWORD = 'ponte-demo-2026';

const departments = [
  { name: 'Support', description: 'Orders, deliveries and product questions' },
  { name: 'Sales', description: 'Quotes, plans and new customers' },
  { name: 'Billing', description: 'Invoices, refunds and payments' },
];

const agents = [
  { name: 'Ana Souza', email: 'ana@demo.ponte.local', role: 'agent' as const, departments: ['Support'], locale: 'pt' as const },
  { name: 'Bruno Lima', email: 'bruno@demo.ponte.local', role: 'agent' as const, departments: ['Sales'], locale: 'pt' as const },
  { name: 'Diego Fernández', email: 'diego@demo.ponte.local', role: 'agent' as const, departments: ['Billing'], locale: 'es' as const },
  { name: 'Carla Mendes', email: 'carla@demo.ponte.local', role: 'supervisor' as const, departments: ['Support', 'Sales', 'Billing'], locale: 'en' as const },
];

const canned = [
  { shortcut: 'hello', title: 'Greeting (EN)', body: 'Hi {{contact.name}}, thanks for reaching out! My name is {{agent.name}} and I will help you with ticket #{{ticket.number}}.' },
  { shortcut: 'ola', title: 'Saudação (PT)', body: 'Olá {{contact.name}}, obrigado pelo contato! Sou {{agent.name}} e vou cuidar do seu chamado #{{ticket.number}}.' },
  { shortcut: 'hola', title: 'Saludo (ES)', body: 'Hola {{contact.name}}, ¡gracias por escribirnos! Soy {{agent.name}} y te ayudaré con el ticket #{{ticket.number}}.' },
  { shortcut: 'order', title: 'Order status', body: 'I have checked your order and it is on its way. You will receive the tracking link by email within the next hour.' },
  { shortcut: 'refund', title: 'Refund approved', body: 'Good news, {{contact.name}}: your refund was approved and will show on your statement within 5 business days.' },
  { shortcut: 'thanks', title: 'Thanks', body: 'Thank you for your patience, {{contact.name}}!' },
  { shortcut: 'bye', title: 'Closing', body: 'Is there anything else I can help you with? If not, I will close ticket #{{ticket.number}}. Have a great day! — {{agent.name}}' },
];

const conversations = [
  { name: 'Mariana Costa', texts: ['Oi! Meu pedido #8841 ainda não chegou, era para ontem.', 'Podem verificar com a transportadora?'] },
  { name: 'Lucía Gómez', texts: ['Hola, me cobraron dos veces la suscripción de este mes.'] },
  { name: 'Tom Baker', texts: ['Hi there, do you offer a discount for annual plans for a team of 12?'] },
];

const systemAdmin = (): Viewer => ({ id: new Types.ObjectId().toHexString(), name: 'Demo seed', email: 'system@ponte.local', role: 'admin', departmentIds: [] });

async function ignoreConflict<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof ConflictError) return undefined;
    throw err;
  }
}

/** Seeds the demo data through core services only; safe to run again. */
export async function seedDemo(core: Core, opts: { conversations?: boolean } = {}) {
  const admin = systemAdmin();
  for (const d of departments) await ignoreConflict(core.departments.create(admin, d));
  const depIds = new Map((await core.departments.list()).map((d) => [d.name, String(d._id)]));
  const existingUsers = new Set((await core.users.list()).map((u) => u.email));
  for (const a of agents) {
    if (existingUsers.has(a.email)) continue;
    await ignoreConflict(
      core.users.create(admin, { email: a.email, name: a.name, role: a.role, locale: a.locale, password: DEMO_PASSWORD, departmentIds: a.departments.map((n) => depIds.get(n)!) }).then((c) => c.user),
    );
  }
  const cannedService = new CannedResponseService(modelsOf(core).User.db);
  for (const c of canned) await cannedService.ensure(admin, c);

  const { id: inboxId } = await ensureDefaultWebchatInbox(core);
  const inbox = await core.inboxes.get(inboxId);
  if (!inbox.departmentId) await core.inboxes.update(admin, inboxId, { departmentId: depIds.get('Support')! });

  if (opts.conversations !== false && (await modelsOf(core).Ticket.countDocuments({ inboxId: new Types.ObjectId(inboxId) })) === 0) {
    for (const c of conversations) {
      const visitor = randomUUID().replace(/-/g, '').slice(0, 22);
      for (const text of c.texts) {
        const clientId = randomUUID();
        await core.ingest.accept([
          {
            type: 'message.received',
            providerKey: `webchat:${inboxId}:${visitor}:${clientId}`,
            inboxId,
            occurredAt: new Date(),
            providerMessageId: `webchat-in:${clientId}`,
            sender: { handle: visitor, displayName: c.name, identityKeys: [`visitor:${visitor}`] },
            text,
            attachments: [],
            threading: { conversationId: visitor, subject: `Web chat with ${c.name}` },
          },
        ]);
      }
    }
    await core.ingest.drain();
  }
  return { inboxId };
}

async function main() {
  const { values } = parseArgs({ options: { 'no-conversations': { type: 'boolean', default: false } } });
  const config = loadConfig();
  // The database start is logged at the configured level (which database and why, and the progress of a
  // first-run FerretDB build or MongoDB download); the seeding itself only warns.
  const rootLogger = createLogger(config.logLevel);
  const logger = rootLogger.child({}, { level: config.logLevel === 'info' ? 'warn' : config.logLevel });
  const db = await startDatabase({ uri: config.database.uri, dataDir: config.database.dataDir, embedded: config.database.embedded, ferretdbBinary: config.database.ferretdbBinary, downloadTimeoutMs: config.database.downloadTimeoutMs, logger: rootLogger });
  const { secret } = await resolveInstanceSecret({ configured: config.secretKey, externalDatabase: Boolean(config.database.uri), dataDir: config.database.dataDir });
  const connection = await connectMongoose(db.uri, logger);
  const core = createCore({ config, connection, logger, secret, channels: { adapterFor: () => undefined } });
  try {
    await core.start();
    await seedDemo(core, { conversations: !values['no-conversations'] });
    process.stdout.write(
      `\n  Demo data seeded (database: ${db.kind}).\n` +
        agents.map((a) => `    ${a.role.padEnd(10)} ${a.email.padEnd(26)} ${a.departments.join(', ')}`).join('\n') +
        `\n    password for all demo users: ${DEMO_PASSWORD}\n` +
        // Nothing listens yet: `npm start` follows and prints "Ponte is ready" with the URLs once it serves.
        `  Starting the hub next; wait for "Ponte is ready" before opening the console.\n\n`,
    );
  } finally {
    await core.stop();
    await disconnect(connection);
    await db.stop();
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((err: unknown) => {
    console.error('demo seed failed:', err);
    process.exit(1);
  });
}
