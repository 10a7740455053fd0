import { Types } from 'mongoose';
import { recordFindFilters } from '../../support/find-filters.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { registerModels } from '../../../src/core/models/registry.js';
import { SearchPostings } from '../../../src/core/search/search-postings.js';
import { searchTickets } from '../../../src/core/tickets/ticket-search.js';
import { createInbox, createUser, emailEvent, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';

let t: TestCore;
let emailInbox: string;
beforeAll(async () => {
  t = await startTestCore();
  emailInbox = String((await createInbox(t.core, 'email'))._id);
});
afterAll(async () => {
  await t.stop();
});

async function ingest(...events: Parameters<TestCore['core']['ingest']['accept']>[0]) {
  await t.core.ingest.accept(events);
  await t.core.ingest.drain();
  await t.core.search.settled();
}

const numbersFor = async (q: string, viewer?: Awaited<ReturnType<typeof createUser>>) => {
  const result = await t.core.search.tickets(viewer ?? (await createUser(t.core, 'admin')), { q, limit: 25 });
  return result.items.map((x) => x.number);
};

describe('ticket search', () => {
  let maria: number;
  let other: number;
  beforeAll(async () => {
    const msg = emailEvent(emailInbox, {
      messageId: '<s1@example.com>',
      from: 'maria.souza@cliente.com.br',
      subject: 'Fatura atrasada',
      text: 'Olá, o código de rastreio é XJ-4471 e ainda não chegou.',
    });
    await ingest({ ...msg, sender: { ...msg.sender, displayName: 'María Souza' } });
    await ingest(emailEvent(emailInbox, { messageId: '<s2@example.com>', from: 'joao@example.com', subject: 'Outra coisa', text: 'Nada a ver.' }));
    const tickets = await modelsOf(t.core).Ticket.find({}).sort({ number: 1 }).lean();
    maria = tickets[0]!.number;
    other = tickets[1]!.number;
  });

  it.each([['maria'], ['MARIA'], ['Marí'], ['souza maria'], ['fatu'], ['ATRASADA'], ['rastreio'], ['codigo'], ['xj 4471'], ['maria.souza@cliente'], ['ainda nao chegou']])(
    '%s finds the ticket (subject, contact, body; accents and case ignored; prefixes)',
    async (q) => {
      expect(await numbersFor(q)).toEqual([maria]);
    },
  );

  it('a search right after a message finds it: postings waiting for company are written first (no settle)', async () => {
    await t.core.ingest.accept([emailEvent(emailInbox, { messageId: '<s-fresh@example.com>', from: 'fresh@example.com', subject: 'Quokka', text: 'Zanzibar parcel' })]);
    await t.core.ingest.drain();
    expect(await numbersFor('zanzibar')).toHaveLength(1);
    expect(await numbersFor('quokka')).toHaveLength(1);
  });

  it('every term must match; an unknown word finds nothing', async () => {
    expect(await numbersFor('maria nada')).toEqual([]);
    expect(await numbersFor('zebra')).toEqual([]);
  });

  it('the ticket number finds the ticket, listed first', async () => {
    expect((await numbersFor(`#${other}`))[0]).toBe(other);
  });

  it('a later message body and a phone number are found', async () => {
    await ingest(smsEvent(String((await createInbox(t.core, 'sms'))._id), { sid: 'SM-search-1', from: '+5511912345678', text: 'Preciso trocar o endereço de entrega' }));
    const sms = await modelsOf(t.core).Ticket.findOne({ channel: 'sms' }).lean();
    expect(await numbersFor('endereco entrega')).toEqual([sms!.number]);
    expect(await numbersFor('11912345')).toEqual([sms!.number]);
    expect(await numbersFor('+55 11 9123')).toEqual([sms!.number]);
    expect(await numbersFor('(11) 91234-5')).toEqual([sms!.number]);
  });

  it('respects department visibility: an agent of another department does not get the ticket', async () => {
    const sales = (await modelsOf(t.core).Department.insertMany([{ name: 'Sales' }]))[0]!._id;
    const support = (await modelsOf(t.core).Department.insertMany([{ name: 'Support' }]))[0]!._id;
    const inbox = String((await createInbox(t.core, 'sms', { departmentId: sales }))._id);
    await ingest(smsEvent(inbox, { sid: 'SM-search-dept', from: '+5511900001111', text: 'segredo comercial' }));
    const hidden = await modelsOf(t.core).Ticket.findOne({ contactId: { $exists: true }, departmentId: sales }).lean();
    expect(hidden).toBeTruthy();
    expect(await numbersFor('segredo', await createUser(t.core, 'agent', [support]))).toEqual([]);
    expect(await numbersFor('segredo', await createUser(t.core, 'agent', [sales]))).toEqual([hidden!.number]);
    expect(await numbersFor('segredo', await createUser(t.core, 'supervisor'))).toEqual([hidden!.number]);
  });

  it('a merged ticket leads to the ticket it was merged into', async () => {
    const admin = await createUser(t.core, 'admin');
    const tickets = await modelsOf(t.core).Ticket.find({ number: { $in: [maria, other] } }).lean();
    const source = tickets.find((x) => x.number === other)!;
    const target = tickets.find((x) => x.number === maria)!;
    await t.core.tickets.merge(admin, String(source._id), String(target._id));
    expect(await numbersFor('nada ver')).toEqual([maria]);
  });

  it('sends the database only `{_id: value}` and `{_id: {$in: values}}` filters (index lookups on MongoDB, pushed down on FerretDB)', async () => {
    const admin = await createUser(t.core, 'admin');
    const { result, filters } = await recordFindFilters(t.db, (conn) => searchTickets(registerModels(conn), new SearchPostings(conn), admin, { q: 'maria fatura', limit: 25 }));
    expect(result.items.map((x) => x.number)).toEqual([maria]);
    expect(filters.length).toBeGreaterThan(0);
    for (const f of filters) expect(Object.keys(f as object)).toEqual(['_id']);
    // A value, or a list of values (`$in`, which the embedded FerretDB's launcher pushes down to the same index).
    for (const f of filters) {
      const id = (f as { _id: unknown })._id;
      const values = id instanceof Types.ObjectId || typeof id === 'string' ? [id] : (id as { $in: unknown[] }).$in;
      if (!(id instanceof Types.ObjectId || typeof id === 'string')) expect(Object.keys(id as object)).toEqual(['$in']);
      for (const v of values) expect(v instanceof Types.ObjectId || typeof v === 'string').toBe(true);
    }
  });

  it('postings: a key is inserted when new and merged when it exists already (another process, a restart): no id lost', async () => {
    const conn = t.db.connection;
    const [a, b, c] = [new Types.ObjectId(), new Types.ObjectId(), new Types.ObjectId()].map(String);
    const first = new SearchPostings(conn);
    await first.add([{ key: 'pst-one', bucket: 7, ticketIds: [a!] }]);
    // A second instance knows nothing of what the first wrote: its insert meets a duplicate, and it adds instead.
    const second = new SearchPostings(conn);
    await second.add([
      { key: 'pst-one', bucket: 7, ticketIds: [b!] },
      { key: 'pst-two', bucket: 7, ticketIds: [c!] },
    ]);
    // Known to exist now: updated, and a repeat changes nothing.
    await second.add([{ key: 'pst-one', bucket: 7, ticketIds: [c!, b!] }]);
    expect((await second.read('pst-one', 7)).sort()).toEqual([a!, b!, c!].sort());
    expect(await first.read('pst-two', 7)).toEqual([c!]);
  });

  it('postings: written in shards by ticket id, read with the unsharded document an older version wrote', async () => {
    const conn = t.db.connection;
    const ids = Array.from({ length: 40 }, () => String(new Types.ObjectId()));
    const legacy = String(new Types.ObjectId());
    await conn.db!.collection('search_postings').insertOne({ _id: 'pst-shard|9', ids: [new Types.ObjectId(legacy)] } as never);
    const postings = new SearchPostings(conn);
    await postings.add([{ key: 'pst-shard', bucket: 9, ticketIds: ids }]);
    const docs = await conn.db!.collection('search_postings').find({ _id: { $in: Array.from({ length: 8 }, (_, s) => `pst-shard|9|${s}`) } } as never).toArray();
    expect(docs.length).toBeGreaterThan(1);
    expect(docs.flatMap((d) => d.ids as Types.ObjectId[]).map(String).sort()).toEqual([...ids].sort());
    for (const d of docs) expect(d.ids.length).toBeLessThan(ids.length);
    expect((await postings.read('pst-shard', 9)).sort()).toEqual([...ids, legacy].sort());
    // A new instance (another process, a restart) adds to the shards that exist, and a repeat adds nothing.
    const more = String(new Types.ObjectId());
    await new SearchPostings(conn).add([{ key: 'pst-shard', bucket: 9, ticketIds: [more, ids[0]!] }]);
    expect((await postings.read('pst-shard', 9)).sort()).toEqual([...ids, legacy, more].sort());
  });

  it('backfill indexes tickets that predate the index, once', async () => {
    const models = modelsOf(t.core);
    const conn = t.db.connection;
    await conn.db!.collection('search_postings').deleteMany({});
    const postings = new SearchPostings(conn);
    const { TicketSearchIndex } = await import('../../../src/core/search/ticket-search-index.js');
    const { createLogger } = await import('../../../src/core/logging/logger.js');
    const index = new TicketSearchIndex(models, postings, createLogger('silent'));
    const admin = await createUser(t.core, 'admin');
    expect((await searchTickets(models, postings, admin, { q: 'rastreio', limit: 5 })).items).toEqual([]);
    const done = await index.backfill();
    expect(done!.tickets).toBeGreaterThanOrEqual(4);
    expect((await searchTickets(models, postings, admin, { q: 'rastreio', limit: 5 })).items.map((x) => x.number)).toEqual([maria]);
    expect(await index.backfill()).toBeUndefined();
  });
});
