import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { ScriptedAdapter } from '../../support/fake-channel.js';
import { createInbox, emailEvent, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';
import { startTestDatabase, type TestDatabase } from '../../support/test-database.js';
import { TestClock } from '../../support/test-clock.js';

/**
 * Acknowledgement of a new ticket: number and promised response time from the ticket's stored due time, in
 * the customer's language, per-inbox template; never for automated mail; once per ticket (two hubs processing
 * the same event); at most one per contact per window.
 */
let db: TestDatabase;
let a: TestCore;
let b: TestCore;
const clock = new TestClock();
let seq = 0;

beforeAll(async () => {
  db = await startTestDatabase();
  a = await startTestCore({ ORG_TIMEZONE: 'America/Sao_Paulo' }, db, undefined, clock);
  b = await startTestCore({ ORG_TIMEZONE: 'America/Sao_Paulo' }, db, undefined, clock);
});
afterAll(async () => {
  await a.stop();
  await b.stop();
  await db.stop();
});

async function inboxWith(kind: 'sms' | 'email', settings: Record<string, unknown>) {
  const inbox = await createInbox(a.core, kind);
  const adapter = new ScriptedAdapter();
  for (const t of [a, b]) t.registry.adapters.set(String(inbox._id), adapter);
  await a.core.automationSettings.put(String(inbox._id), settings);
  return String(inbox._id);
}
const acks = (ticketId: unknown) => modelsOf(a.core).Message.find({ ticketId, automatic: true }).lean();
const ticketOf = async (providerKey: string) => (await modelsOf(a.core).Message.findOne({ providerKey }).lean())!.ticketId;

describe('auto-acknowledgement', () => {
  it('answers a new ticket once, with its number and the promised time, in the customer language', async () => {
    const inboxId = await inboxWith('sms', { autoAck: { enabled: true } });
    const event = smsEvent(inboxId, { sid: `SM-ack-${++seq}`, from: '+5511955500001', text: 'Hola, necesito ayuda con mi pedido' });
    // The same event reaches both hubs (a platform retry through a load balancer).
    await Promise.all([a.core.ingest.accept([event]), b.core.ingest.accept([event])]);
    await Promise.all([a.core.ingest.drain(), b.core.ingest.drain()]);
    const ticketId = await ticketOf(event.providerKey);
    const ticket = (await modelsOf(a.core).Ticket.findById(ticketId).lean())!;
    const sent = await acks(ticketId);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.text).toContain(`recibimos su mensaje y abrimos la solicitud #${ticket.number}.`);
    // The default policy's first response is hours away: the promise names a time in the org time zone.
    const due = ticket.sla.firstResponseDueAt!;
    const hhmm = new Intl.DateTimeFormat('es-ES', { timeZone: 'America/Sao_Paulo', hour: '2-digit', minute: '2-digit', hour12: false }).format(due);
    expect(sent[0]!.text).toMatch(new RegExp(`Le responderemos (hoy antes de las|mañana antes de las|antes del .*, a las) ${hhmm}\\.$|en un máximo de \\d+ minutos\\.$`));
    expect(await modelsOf(a.core).AuditEvent.countDocuments({ ticketId, type: 'message.auto_acknowledgement_queued' })).toBe(1);
    // It is not the first response: the SLA clock still runs.
    expect(ticket.firstResponseAt).toBeUndefined();
  });

  it('uses the inbox template with variables; never answers automated mail; one per contact per hour', async () => {
    const inboxId = await inboxWith('email', {
      autoAck: { enabled: true, perContactMinutes: 60, templates: { en: 'Hi {{contact.name}}! Ticket #{{ticket.number}} ({{ticket.subject}}): {{sla.promise}} {{unknown.var}}' } },
    });
    const first = emailEvent(inboxId, { messageId: `<ack-1-${Date.now()}@x>`, from: 'ana@example.com', subject: 'Printer help', text: 'Hello, my printer does not work, please help' });
    first.sender.displayName = 'Ana Souza';
    const ooo = emailEvent(inboxId, { messageId: `<ack-ooo-${Date.now()}@x>`, from: 'bob@example.com', subject: 'Out of office' });
    const ooo2 = { ...ooo, automated: true };
    await a.core.ingest.accept([first, ooo2]);
    await a.core.ingest.drain();
    const t1 = await ticketOf(first.providerKey);
    const n1 = (await modelsOf(a.core).Ticket.findById(t1).lean())!.number;
    const [ack] = await acks(t1);
    expect(ack!.text).toMatch(new RegExp(`^Hi Ana Souza! Ticket #${n1} \\(Printer help\\): We will answer (within|by) .+\\.$`));
    expect(ack!.text).not.toContain('{{');
    expect(await acks(await ticketOf(ooo.providerKey))).toHaveLength(0);

    // A second new thread from the same customer within the hour: no second acknowledgement.
    const second = emailEvent(inboxId, { messageId: `<ack-2-${Date.now()}@x>`, from: 'ana@example.com', subject: 'Another thing', text: 'Also the scanner' });
    await b.core.ingest.accept([second]);
    await b.core.ingest.drain();
    expect(await acks(await ticketOf(second.providerKey))).toHaveLength(0);
    // An hour later she is acknowledged again.
    clock.advance(61 * 60_000);
    const third = emailEvent(inboxId, { messageId: `<ack-3-${Date.now()}@x>`, from: 'ana@example.com', subject: 'Third', text: 'And the fax' });
    await a.core.ingest.accept([third]);
    await a.core.ingest.drain();
    expect(await acks(await ticketOf(third.providerKey))).toHaveLength(1);
    clock.reset();
  });

  it('an inbox without it sends nothing', async () => {
    const inboxId = await inboxWith('sms', {});
    const event = smsEvent(inboxId, { sid: `SM-ack-${++seq}`, from: '+5511955500002' });
    await a.core.ingest.accept([event]);
    await a.core.ingest.drain();
    expect(await acks(await ticketOf(event.providerKey))).toHaveLength(0);
  });
});
