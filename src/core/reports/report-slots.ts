/**
 * The slot of a rollup bucket a fact is kept in (`rollup-store.ts`). A bucket (a day of one inbox,
 * department and agent) used to keep all of its facts in one document, rewritten whole at every flush:
 * by the evening of a busy day, hundreds of kilobytes a second for one busy bucket, on a database that
 * rewrites a whole document per update. In slots, a flush rewrites the slot of the hour it is in.
 *
 * The slot must follow from the fact alone (the same fact seen again, or rebuilt from history, lands in
 * the same slot and overwrites itself): it is the UTC hour of the moment in the fact's id — the message of
 * `in:`/`out:`, the ticket of `created:`/`frt:`/`resolved:` (ObjectIds carry their creation second) —
 * when that moment is within a day of the bucket's day; anything else (an agent's availability, a fact
 * about a ticket from days before) shares the slot `x`. Two UTC dates can share an hour's slot: that
 * only puts their facts in one document.
 */
export const OTHER_SLOT = 'x';

const DAY_MS = 86_400_000;
const OBJECT_ID = /[0-9a-f]{24}/;

export function slotOf(factId: string, day: string): string {
  const hex = OBJECT_ID.exec(factId)?.[0];
  const dayStart = Date.parse(`${day}T00:00:00Z`);
  if (!hex || !Number.isFinite(dayStart)) return OTHER_SLOT;
  const at = parseInt(hex.slice(0, 8), 16) * 1000;
  if (at < dayStart - DAY_MS || at >= dayStart + 2 * DAY_MS) return OTHER_SLOT;
  return String(new Date(at).getUTCHours()).padStart(2, '0');
}
