import type { Models } from '../models/registry.js';
import { indexKeysV1 } from './search-terms-v1.js';
import { indexKeys } from './search-terms.js';
import { contactText, storedMessageText, ticketOwnText } from './search-texts.js';

/**
 * Keys handed to the index between two waits for its writes: ~2 s of postings on the embedded FerretDB under
 * load (measured ~2,200 keys/s), so live messages' keys, flushed with them, and a search, which waits up to 2 s
 * for what is pending, are not held up by a whole CJK mailbox (~90 keys a message).
 */
const SETTLE_EVERY_KEYS = 4_000;

export interface KeyWriter {
  addKeys(ticketId: string, number: number, keys: Iterable<string>): void;
  settled(): Promise<void>;
  /** Stopped (shutdown): the upgrade ends early, and its caller records no marker. */
  isStopped(): boolean;
}

/** Keys of `text` that version 1 did not write: none for most Latin text (nothing to write). */
function newKeys(text: string): string[] {
  const old = indexKeysV1(text);
  return [...indexKeys(text)].filter((k) => !old.has(k));
}

/**
 * Gives an index built before version 2 the keys it lacks: "straße" under `strasse`, "Łódź" under `lodz`,
 * "東京都に住んでいます" under each character and pair. Postings are only added, so what version 1 wrote stays
 * (its keys for a CJK run's prefixes are never asked for any more). One read of contacts, tickets and messages
 * (cursors, in the background); only texts whose keys differ are written — a text without ß, ø, ł… or CJK
 * characters costs its read and nothing else, a CJK message about as many writes as a new one.
 */
export async function addVersion2Keys(models: Models, index: KeyWriter): Promise<{ scanned: number; tickets: number; messages: number }> {
  let scanned = 0;
  let unsettled = 0;
  const write = async (ticketId: string, number: number, keys: string[]) => {
    index.addKeys(ticketId, number, keys);
    unsettled += keys.length;
    if (unsettled < SETTLE_EVERY_KEYS) return;
    unsettled = 0;
    await index.settled();
  };
  // Only contacts with new keys are kept: memory follows the affected contacts, not all of them.
  const byContact = new Map<string, string[]>();
  for await (const c of models.Contact.find({}, { name: 1, email: 1, phone: 1 }).lean().cursor()) {
    if (index.isStopped()) break;
    scanned++;
    const keys = newKeys(contactText(c));
    if (keys.length) byContact.set(String(c._id), keys);
  }
  let tickets = 0;
  const numbers = new Map<string, number>();
  for await (const t of models.Ticket.find({}, { number: 1, subject: 1, contactId: 1, replyTo: 1 }).lean().cursor()) {
    if (index.isStopped()) break;
    scanned++;
    numbers.set(String(t._id), t.number);
    const keys = [...newKeys(ticketOwnText(t)), ...(byContact.get(String(t.contactId)) ?? [])];
    if (keys.length === 0) continue;
    tickets++;
    await write(String(t._id), t.number, keys);
  }
  let messages = 0;
  const fields = { ticketId: 1, text: 1, kind: 1, attachments: 1, author: 1 };
  for await (const m of models.Message.find({ kind: { $ne: 'system' } }, fields).lean().cursor()) {
    if (index.isStopped()) break;
    scanned++;
    const number = numbers.get(String(m.ticketId));
    if (number === undefined) continue;
    const keys = newKeys(storedMessageText(m));
    if (keys.length === 0) continue;
    messages++;
    await write(String(m.ticketId), number, keys);
  }
  await index.settled();
  return { scanned, tickets, messages };
}
