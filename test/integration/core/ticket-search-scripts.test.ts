import { recordFindFilters } from '../../support/find-filters.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/core/logging/logger.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { registerModels } from '../../../src/core/models/registry.js';
import { bucketOf, SearchPostings } from '../../../src/core/search/search-postings.js';
import { indexKeys, numberKey } from '../../../src/core/search/search-terms.js';
import { indexKeysV1 } from '../../../src/core/search/search-terms-v1.js';
import { contactText, storedMessageText, ticketOwnText } from '../../../src/core/search/search-texts.js';
import { TicketSearchIndex } from '../../../src/core/search/ticket-search-index.js';
import { searchTickets } from '../../../src/core/tickets/ticket-search.js';
import { createInbox, createUser, emailEvent, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';

/**
 * Search beyond accents: letters NFKD does not decompose (ß, ø, ł, æ, œ, đ, ð, þ, ı) are folded on both sides
 * the way search engines fold them, and Chinese/Japanese/Korean text — no spaces between words — is found by
 * any run of its characters, one character included.
 */
let t: TestCore;
let sms: string;
let email: string;
const ticketOf: Record<string, number> = {};

beforeAll(async () => {
  t = await startTestCore();
  sms = String((await createInbox(t.core, 'sms'))._id);
  email = String((await createInbox(t.core, 'email'))._id);
  const texts: Array<[string, string, string?]> = [
    ['strasse', 'Die Lieferung an Große Straße 5 ist nicht angekommen.'],
    ['strasse2', 'Lieferadresse: Strasse des 17. Juni 12, Berlin'],
    ['oresund', 'Billetten til Øresundsbroen virker ikke'],
    ['lodz', 'Zamówienie do Łodzi nie dotarło', 'Łukasz Wójcik'],
    ['aero', 'Færgen til Ærø er aflyst'],
    ['dord', 'Poštovani, ovdje Đorđe iz Beograda'],
    ['thor', 'Kveðja, Þór frá Reykjavík'],
    ['turkish', 'Siparişim DİYARBAKIR adresine gitmedi, ılık su'],
    ['tokyo', '東京都に住んでいます。荷物が届きません'],
    ['order', '订单 12345 没有到'],
    ['seoul', '서울에서 주문했어요'],
    ['kana', 'ビールの注文'],
  ];
  let i = 0;
  for (const [name, text, displayName] of texts) {
    const ev = smsEvent(sms, { sid: `SM-scripts-${name}`, from: `+55119000000${String(++i).padStart(2, '0')}`, text });
    await t.core.ingest.accept([{ ...ev, sender: { ...ev.sender, displayName: displayName ?? 'Customer' } }]);
  }
  await t.core.ingest.accept([emailEvent(email, { messageId: '<oeuvre@example.com>', from: 'galerie@example.fr', subject: 'Œuvre commandée', text: 'Bonjour' })]);
  await t.core.ingest.drain();
  await t.core.search.settled();
  for (const ticket of await modelsOf(t.core).Ticket.find({}).lean()) {
    const key = ticket.replyTo.phone ? Number(ticket.replyTo.phone.slice(-2)) - 1 : -1;
    ticketOf[key === -1 ? 'oeuvre' : texts[key]![0]] = ticket.number;
  }
});
afterAll(async () => {
  await t?.stop();
});

const numbersFor = async (q: string) => {
  const result = await t.core.search.tickets(await createUser(t.core, 'admin'), { q, limit: 25 });
  return result.items.map((x) => x.number).sort((a, b) => a - b);
};
const numbersOf = (...names: string[]) => names.map((n) => ticketOf[n]!).sort((a, b) => a - b);

describe('letters NFKD does not decompose are folded on both sides', () => {
  it.each([
    ['strasse', ['strasse', 'strasse2']],
    ['straße', ['strasse', 'strasse2']],
    ['STRASSE', ['strasse', 'strasse2']],
    ['grosse strasse', ['strasse']],
    ['große', ['strasse']],
    ['strasse juni', ['strasse2']],
    ['straße des', ['strasse2']],
    ['oresund', ['oresund']],
    ['ØRESUND', ['oresund']],
    ['lodzi', ['lodz']],
    ['łódź', ['lodz']],
    ['lukasz wojcik', ['lodz']],
    ['aero', ['aero']],
    ['aerø', ['aero']],
    ['faergen', ['aero']],
    ['oeuvre', ['oeuvre']],
    ['œuvre', ['oeuvre']],
    ['dorde', ['dord']],
    ['đorđe', ['dord']],
    ['kvedja', ['thor']],
    ['thor', ['thor']],
    ['þór', ['thor']],
    ['diyarbakir', ['turkish']],
    ['Diyarbakır', ['turkish']],
    ['ilik', ['turkish']],
    ['İLIK', ['turkish']],
  ])('%s finds %j', async (q, names) => {
    expect(await numbersFor(q)).toEqual(numbersOf(...names));
  });
});

describe('Chinese, Japanese and Korean text is found by any run of its characters', () => {
  it.each([
    ['東京', ['tokyo']],
    ['東京都', ['tokyo']],
    ['住んでいます', ['tokyo']],
    ['荷物', ['tokyo']],
    ['届きません', ['tokyo']],
    ['東', ['tokyo']],
    ['荷', ['tokyo']],
    ['订单', ['order']],
    ['没有到', ['order']],
    ['到', ['order']],
    ['12345', ['order']],
    ['订单 12345', ['order']],
    ['订单12345没有', ['order']],
    ['서울', ['seoul']],
    ['주문', ['seoul']],
    ['ビール', ['kana']],
    ['注文', ['kana']],
    ['注', ['kana']],
  ])('%s finds %j', async (q, names) => {
    expect(await numbersFor(q)).toEqual(numbersOf(...names));
  });

  it('characters the text does not have next to each other, or a different kana, find nothing', async () => {
    expect(await numbersFor('京東')).toEqual([]);
    expect(await numbersFor('東京 没有')).toEqual([]);
    expect(await numbersFor('ピール')).toEqual([]);
    expect(await numbersFor('订购')).toEqual([]);
  });

  it('a CJK and ß search still sends the database only `{_id}` filters', async () => {
    const admin = await createUser(t.core, 'admin');
    const { filters } = await recordFindFilters(t.db, async (conn) => {
      for (const q of ['届きません', '东', 'große']) await searchTickets(registerModels(conn), new SearchPostings(conn), admin, { q, limit: 25 });
    });
    expect(filters.length).toBeGreaterThan(0);
    for (const f of filters) expect(Object.keys(f as object)).toEqual(['_id']);
  });

  it('a one-letter Latin term is still ignored', async () => {
    expect(await numbersFor('s')).toEqual([]);
  });
});

describe('text without those letters or CJK characters', () => {
  it('is indexed under the same keys as before (no new writes for Latin text)', () => {
    const texts = [
      'Olá, o código de rastreio é XJ-4471 e ainda não chegou. Atenciosamente, María Souza',
      'Hi team, my order #55012 arrived damaged (the lid is cracked). Could you send a replacement? Thanks, Zoë',
      'Ελληνικά: η παραγγελία μου δεν έφτασε. Привет, заказ не пришёл.',
    ];
    for (const text of texts) expect([...indexKeys(text)].sort()).toEqual([...indexKeysV1(text)].sort());
    expect([...indexKeys('Große Straße')].sort()).not.toEqual([...indexKeysV1('Große Straße')].sort());
  });
});

describe('an index built before these keys', () => {
  it('gets only the keys it lacks, from the texts that have them, once, by the start-up backfill', async () => {
    const models = modelsOf(t.core);
    const conn = t.db.connection;
    await conn.db!.collection('search_postings').deleteMany({});
    const postings = new SearchPostings(conn);
    // The index as the version before wrote it: every ticket and message under its keys, and its marker.
    const numbers = new Map<string, number>();
    for (const ticket of await models.Ticket.find({}).lean()) {
      numbers.set(String(ticket._id), ticket.number);
      const contact = await models.Contact.findById(ticket.contactId).lean();
      const keys = [...indexKeysV1(`${ticketOwnText(ticket)} ${contactText(contact)}`), numberKey(ticket.number)];
      await postings.add(keys.map((key) => ({ key, bucket: bucketOf(ticket.number), ticketIds: [String(ticket._id)] })));
    }
    for (const m of await models.Message.find({ kind: { $ne: 'system' } }).lean()) {
      const number = numbers.get(String(m.ticketId))!;
      await postings.add([...indexKeysV1(storedMessageText(m))].map((key) => ({ key, bucket: bucketOf(number), ticketIds: [String(m.ticketId)] })));
    }
    await postings.setMarker('backfilled:1');
    const admin = await createUser(t.core, 'admin');
    const search = async (q: string) => (await searchTickets(models, postings, admin, { q, limit: 25 })).items.map((x) => x.number).sort((a, b) => a - b);
    expect(await search('strasse')).toEqual(numbersOf('strasse2'));
    expect(await search('東')).toEqual([]);

    const index = new TicketSearchIndex(models, postings, createLogger('silent'));
    const done = await index.backfill();
    // Messages with ß, ø, ł, æ, đ, ð, þ, ı or CJK (11 of the 13), their tickets (an SMS ticket's subject is its
    // first message's text) and "Œuvre"; not "Strasse des 17. Juni" nor "Bonjour".
    expect(done).toEqual({ kind: 'keys:2', tickets: 12, messages: 11 });
    expect(await search('strasse')).toEqual(numbersOf('strasse', 'strasse2'));
    expect(await search('lukasz')).toEqual(numbersOf('lodz'));
    expect(await search('oeuvre')).toEqual(numbersOf('oeuvre'));
    expect(await search('東')).toEqual(numbersOf('tokyo'));
    expect(await search('届きません')).toEqual(numbersOf('tokyo'));
    expect(await search('ピール')).toEqual([]);
    expect(await search('rastreio')).toEqual([]);
    expect(await index.backfill()).toBeUndefined();
  });

  it('a database indexed from scratch gets these keys at once and needs no upgrade', async () => {
    const conn = t.db.connection;
    await conn.db!.collection('search_postings').deleteMany({});
    const postings = new SearchPostings(conn);
    const index = new TicketSearchIndex(modelsOf(t.core), postings, createLogger('silent'));
    expect(await index.backfill()).toMatchObject({ kind: 'full', tickets: 13 });
    expect(await index.backfill()).toBeUndefined();
    const admin = await createUser(t.core, 'admin');
    expect((await searchTickets(modelsOf(t.core), postings, admin, { q: '住ん', limit: 25 })).items.map((x) => x.number)).toEqual(numbersOf('tokyo'));
  });

  it.each([[[]], [['backfilled:1']]])('a backfill cut short by stop (shutdown) records no marker, so it runs again at next start (markers before: %j)', async (before) => {
    const conn = t.db.connection;
    await conn.db!.collection('search_postings').deleteMany({});
    const postings = new SearchPostings(conn);
    for (const m of before) await postings.setMarker(m);
    const index = new TicketSearchIndex(modelsOf(t.core), postings, createLogger('silent'));
    const running = index.backfill();
    index.stop();
    expect(await running).toBeUndefined();
    expect(await postings.hasMarker('backfilled:1')).toBe(before.length > 0);
    expect(await postings.hasMarker('keys:2')).toBe(false);
  });
});
