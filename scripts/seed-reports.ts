// `npm run reports:seed -- [--tickets 100000] [--days 365] [--data-dir data/seed-reports]`
//
// A reproducible report dataset (fixed random seed): synthetic ticket histories — creation, assignment,
// transfers, customer messages, agent replies, solves, reopens, SLA targets — over the last `days` days,
// turned into facts by the same `factsFromHistory` the rebuild uses and written as rollups in bulk.
// It bypasses ingest on purpose (100,000 tickets through ingest would take hours on the embedded
// database): tickets, messages and audit events are NOT stored, only the report rollups, plus the
// inboxes, departments and agents their rows name. It writes to a database of its own (default
// data/seed-reports), never to the hub's, unless MONGODB_URI points elsewhere (then that database's
// report collections are replaced).
import { Types } from 'mongoose';
import { addDays } from '../src/core/reports/report-calendar.js';
import { factsFromHistory, type TicketHistory } from '../src/core/reports/facts-from-history.js';
import type { Fact } from '../src/core/reports/report-facts.js';
import { dayBucket } from '../src/core/time/day-bucket.js';
import { openReports } from './reports-database.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const TICKETS = Number(arg('tickets', '100000'));
const DAYS = Number(arg('days', '365'));
const DATA_DIR = arg('data-dir', 'data/seed-reports');

// mulberry32 with a fixed seed: the same dataset on every machine.
let state = 0x5eed2026;
const rand = () => {
  state = (state + 0x6d2b79f5) | 0;
  let x = state;
  x = Math.imul(x ^ (x >>> 15), x | 1);
  x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
/** Exponential with the given mean (minutes → ms). */
const expMinutes = (mean: number) => -Math.log(1 - rand()) * mean * 60_000;

let idSeq = 0;
const nextId = () => new Types.ObjectId((0x6a000000 + ++idSeq).toString(16).padStart(8, '0') + '0000000000000000');

const departments = [
  { _id: nextId(), name: 'Atendimento' },
  { _id: nextId(), name: 'Cobrança' },
  { _id: nextId(), name: 'Vendas' },
  { _id: nextId(), name: 'Suporte técnico' },
];
const inboxes = [
  { _id: nextId(), kind: 'email', name: 'E-mail São Paulo', dept: 0, frtMean: 240 },
  { _id: nextId(), kind: 'whatsapp', name: 'WhatsApp Vendas', dept: 2, frtMean: 20 },
  { _id: nextId(), kind: 'telegram', name: 'Telegram Suporte', dept: 3, frtMean: 30 },
  { _id: nextId(), kind: 'sms', name: 'SMS Cobrança', dept: 1, frtMean: 60 },
  { _id: nextId(), kind: 'messenger', name: 'Messenger Atendimento', dept: 0, frtMean: 45 },
  { _id: nextId(), kind: 'webchat', name: 'Chat do site', dept: 2, frtMean: 4 },
  { _id: nextId(), kind: 'email', name: 'E-mail Cobrança', dept: 1, frtMean: 300 },
  { _id: nextId(), kind: 'voice', name: 'Telefone Suporte', dept: 3, frtMean: 10 },
] as const;
const firstNames = ['Ana', 'João', 'Márcia', 'José', 'Inês', 'Conceição', 'Luís', 'Sofía', 'Andrés', 'Björn', 'Zoë', 'Ângela'];
const agents = Array.from({ length: 24 }, (_, i) => ({ _id: nextId(), name: `${firstNames[i % firstNames.length]} ${String.fromCharCode(65 + i)}.`, dept: i % 4 }));

const r = await openReports({ DATA_DIR, ORG_TIMEZONE: process.env.ORG_TIMEZONE ?? 'America/Sao_Paulo' });
const tz = r.config.tickets.timeZone;
const started = Date.now();
try {
  await Promise.all([r.models.Inbox.deleteMany({}), r.models.Department.deleteMany({}), r.models.User.deleteMany({})]);
  await r.models.Department.insertMany(departments);
  await r.models.Inbox.insertMany(inboxes.map((i) => ({ _id: i._id, kind: i.kind, name: i.name, departmentId: departments[i.dept]!._id, publicSettings: {}, health: { status: 'unknown' } })));
  await r.models.User.insertMany(
    agents.map((a, i) => ({ _id: a._id, email: `agent${i}@seed.example`, name: a.name, role: 'agent', departmentIds: [departments[a.dept]!._id], passwordHash: 'x' })),
  );

  const today = dayBucket(new Date(), tz);
  const firstDay = addDays(today, -(DAYS - 1));
  const dayStart = Date.parse(`${firstDay}T00:00:00Z`);
  const facts: Fact[] = [];
  for (let n = 0; n < TICKETS; n++) {
    const inbox = pick(inboxes);
    const createdAt = new Date(dayStart + Math.floor(rand() * DAYS) * 86_400_000 + (11 + rand() * 12) * 3_600_000);
    const ticketId = nextId();
    const audit: TicketHistory['audit'] = [];
    const messages: TicketHistory['messages'] = [];
    let seq = 0;
    const log = (type: string, at: Date, data: Record<string, unknown> = {}, ref?: string) => audit.push({ seq: ++seq, type, dataJson: JSON.stringify(data), at, ...(ref ? { ref } : {}) });
    let deptIdx: number = inbox.dept;
    log('ticket.created', createdAt);
    const inbound = (at: Date) => {
      const id = nextId();
      messages.push({ _id: id, direction: 'inbound', kind: 'message', author: { type: 'contact' }, occurredAt: at });
      log('message.received', at, {}, `message:${String(id)}`);
    };
    inbound(createdAt);
    let t = createdAt.getTime() + 60_000;
    if (rand() < 0.1) {
      const to = (deptIdx + 1 + Math.floor(rand() * 3)) % 4;
      log('ticket.transferred', new Date(t), { from: String(departments[deptIdx]!._id), to: String(departments[to]!._id) });
      deptIdx = to;
    }
    const pool = agents.filter((a) => a.dept === deptIdx);
    const agent = rand() < 0.88 ? pick(pool) : null;
    if (agent) log('ticket.assigned', new Date(t), { from: null, to: String(agent._id) });
    const priority = pick(['low', 'normal', 'normal', 'normal', 'high', 'urgent'] as const);
    const sla = { low: [480, 4320], normal: [240, 1440], high: [60, 480], urgent: [30, 240] }[priority];
    let firstResponseAt: Date | undefined;
    const replies = agent ? Math.floor(rand() * 4) + (rand() < 0.9 ? 1 : 0) : 0;
    for (let k = 0; k < replies; k++) {
      t += k === 0 ? expMinutes(inbox.frtMean) : expMinutes(inbox.frtMean * 2);
      const at = new Date(t);
      const id = nextId();
      messages.push({ _id: id, direction: 'outbound', kind: 'message', author: { type: 'agent', userId: agent!._id }, occurredAt: at });
      log('message.sent', at, {}, `message:${String(id)}`);
      firstResponseAt ??= at;
      if (rand() < 0.5) {
        t += expMinutes(30);
        inbound(new Date(t));
      }
    }
    if (firstResponseAt && rand() < 0.8) {
      t += expMinutes(inbox.frtMean * 3);
      log('ticket.status_changed', new Date(t), { from: 'open', to: 'solved' });
      if (rand() < 0.08) {
        t += expMinutes(600);
        inbound(new Date(t));
        log('ticket.reopened', new Date(t), { reason: 'customer replied' });
        t += expMinutes(inbox.frtMean * 2);
        log('ticket.status_changed', new Date(t), { from: 'open', to: 'solved' });
      }
    }
    const history: TicketHistory = {
      ticket: {
        _id: ticketId,
        inboxId: inbox._id,
        channel: inbox.kind,
        departmentId: departments[deptIdx]!._id,
        ...(agent ? { assigneeId: agent._id } : {}),
        sla: { firstResponseDueAt: new Date(createdAt.getTime() + sla[0]! * 60_000), resolutionDueAt: new Date(createdAt.getTime() + sla[1]! * 60_000) },
        ...(firstResponseAt ? { firstResponseAt } : {}),
        createdAt,
      },
      messages,
      audit,
    };
    // Facts dated in the future (a reply "after" today) are dropped, as they could not exist yet.
    for (const f of factsFromHistory(history, tz)) if (f.day <= today) facts.push(f);
    if ((n + 1) % 20_000 === 0) console.log(`  generated ${n + 1} tickets, ${facts.length} facts`);
  }
  const generated = Date.now();
  const written = await r.reports.store.replaceAll(facts, (what, n) => {
    if (n % 5000 === 0 || what !== 'buckets') console.log(`  wrote ${what}: ${n}`);
  });
  const secs = (Date.now() - started) / 1000;
  console.log(
    `seeded ${TICKETS} tickets over ${DAYS} days (${firstDay}..${today}, ${tz}): ${facts.length} facts → ${written.buckets} buckets, ` +
      `${written.days} days, ${written.months} months; generation ${((generated - started) / 1000).toFixed(1)} s, ` +
      `writing ${((Date.now() - generated) / 1000).toFixed(1)} s, total ${secs.toFixed(1)} s (${Math.round(TICKETS / secs)} tickets/s) on ${r.db.kind} in ${DATA_DIR}`,
  );
} finally {
  await r.close();
}
