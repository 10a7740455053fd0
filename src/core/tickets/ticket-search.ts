import { z } from 'zod';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';
import { findByIds } from '../db/find-by-ids.js';
import type { SearchPostings } from '../search/search-postings.js';
import { bucketOf } from '../search/search-postings.js';
import { numberKey, queryKeys } from '../search/search-terms.js';
import type { Viewer } from '../users/viewer.js';
import { canSee } from './visibility.js';

export const TicketSearchQuerySchema = z.object({
  q: z.string().trim().min(1, 'type something to search for').max(200),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});
export type TicketSearchQuery = z.infer<typeof TicketSearchQuerySchema>;

/** Ticket reads one search may spend on candidates (hidden, merged or duplicate ones included). */
const MAX_TICKET_READS = 300;
/** Candidate tickets read at once (in bucket order, newest first). */
const READS_AT_ONCE = 8;
/** Buckets whose postings are read at once. */
const BUCKETS_AT_ONCE = 4;

export interface TicketSearchResult {
  items: Ticket[];
  /** The read budget ran out before every bucket was read: older matches may exist. */
  partial: boolean;
}

/**
 * Ticket search: every folded term of the query must start a token of the ticket (subject, number, contact,
 * message bodies). Buckets of ticket numbers are read newest first, each term's posting intersected, and the
 * candidates read by `_id` until a page of tickets the viewer may see is full — so a search costs a bounded
 * number of `{_id: value}` lookups whatever the number of tickets (no scan on FerretDB, `_id` index on
 * MongoDB). A merged ticket's hits lead to the ticket it was merged into. A query that is a ticket number
 * reads that number's bucket first and lists that ticket first.
 */
export async function searchTickets(
  models: Models,
  postings: SearchPostings,
  viewer: Viewer,
  query: TicketSearchQuery,
): Promise<TicketSearchResult> {
  const keys = queryKeys(query.q);
  const asNumber = /^#?\d{1,9}$/.test(query.q) ? Number(query.q.replace('#', '')) : undefined;
  if (keys.length === 0 && asNumber === undefined) return { items: [], partial: false };
  const top = await postings.highestBucket();
  const order = Array.from({ length: top + 1 }, (_, i) => top - i);
  if (asNumber !== undefined && bucketOf(asNumber) <= top) {
    order.splice(order.indexOf(bucketOf(asNumber)), 1);
    order.unshift(bucketOf(asNumber));
  }

  const found = new Map<string, Ticket>();
  const tried = new Set<string>();
  let reads = 0;
  for (let i = 0; i < order.length && found.size < query.limit; i += BUCKETS_AT_ONCE) {
    const group = order.slice(i, i + BUCKETS_AT_ONCE);
    const matches = await Promise.all(group.map((b) => bucketMatches(postings, keys, b)));
    if (i === 0 && asNumber !== undefined && bucketOf(asNumber) === group[0]) {
      matches.unshift(await postings.read(numberKey(asNumber), bucketOf(asNumber)));
    }
    const candidates = [...new Set(matches.flat())].filter((id) => !tried.has(id));
    for (let c = 0; c < candidates.length && found.size < query.limit; c += READS_AT_ONCE) {
      if (reads >= MAX_TICKET_READS) return finish(found, asNumber, true);
      const slice = candidates.slice(c, c + Math.min(READS_AT_ONCE, MAX_TICKET_READS - reads));
      for (const id of slice) tried.add(id);
      reads += slice.length;
      const tickets = await findByIds<Ticket>(models.Ticket, slice);
      for (let ticket of tickets) {
        // Up the merge chain (bounded): the hit is shown as the ticket the agent works in now.
        for (let hops = 0; ticket?.mergedInto && hops < 5; hops++, reads++) ticket = await models.Ticket.findById(ticket.mergedInto).lean();
        if (!ticket || ticket.mergedInto || !canSee(viewer, ticket) || found.size >= query.limit) continue;
        found.set(String(ticket._id), ticket);
      }
    }
  }
  return finish(found, asNumber, false);
}

/** Ticket ids of one bucket holding every key, newest first. The rarest key is read first; none → no more reads. */
async function bucketMatches(postings: SearchPostings, keys: string[], bucket: number): Promise<string[]> {
  if (keys.length === 0) return [];
  let ids: string[] | undefined;
  for (const key of keys) {
    const posting = await postings.read(key, bucket);
    const inPosting = new Set(posting);
    ids = ids === undefined ? posting : ids.filter((id) => inPosting.has(id));
    if (ids.length === 0) return [];
  }
  // ObjectIds start with their creation time: descending = newest ticket first.
  return (ids ?? []).sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
}

function finish(found: Map<string, Ticket>, asNumber: number | undefined, partial: boolean): TicketSearchResult {
  const items = [...found.values()];
  const exact = items.findIndex((t) => t.number === asNumber);
  if (exact > 0) items.unshift(...items.splice(exact, 1));
  return { items, partial };
}
