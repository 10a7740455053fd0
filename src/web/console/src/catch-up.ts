import { api, qs } from './api.ts';
import { store } from './store.ts';
import type { AuditEvent, Message, TicketSummary } from './types.ts';
import { OutOfBudget, readPages, threadCursor } from './read-pages.ts';

/**
 * What a console does when its socket comes back (a laptop that slept, a network change): the events it missed
 * are not replayed, so it reads what changed.
 *
 * - The list: as many pages as were shown (up to `LIST_PAGES`), swapped in at once; a ticket the customer wrote
 *   to meanwhile (its `lastCustomerMessageAt` moved) gets an unread mark.
 * - The open ticket, if `sync` says it changed: its detail (status, assignee… in the header), its audit after
 *   the last seq seen and its thread after the newest message held, each page after page until done. A change
 *   to an older message (an edit, a reaction, a message dated before the newest one, messages moved away) makes
 *   the thread read again as on opening: its newest page only, older pages held are dropped (the agent scrolls
 *   up for them again); a delivery status is applied from the audit event. Nothing held yet: the newest page.
 * - Other tickets' cached threads are dropped (opening a ticket reads its thread anyway): they used to be
 *   re-read too, each whole, and more than 100 of them made `sync` refuse and every one of them be re-read.
 *
 * Bounded: at most `PAGES` page reads in all. Beyond that (a long absence on a busy ticket) the view is read
 * afresh as on a page load: the list's first page and the open ticket opened anew.
 */
export const LIST_PAGES = 5;
export const PAGES = 12;
const THREAD_PAGE = 200;
const AUDIT_PAGE = 500;

type SyncAck = { ok: boolean; stale?: Record<string, number>; gone?: string[] } | null;

function newestHeld(thread: Map<string, Message>): Message | undefined {
  let newest: Message | undefined;
  for (const m of thread.values()) {
    if (m.pending) continue;
    if (!newest || m.occurredAt > newest.occurredAt || (m.occurredAt === newest.occurredAt && m.id > newest.id)) newest = m;
  }
  return newest;
}

/**
 * What the console held of a ticket when its socket came back, taken before the first await: from then on live
 * events of the rejoined rooms land in the store, and a catch-up that measured "what I hold" after them would
 * start its reads after the newest live message and its `sync` at the newest live seq, skipping everything
 * that arrived while the socket was down.
 */
type Held = { seq: number; auditSeq: number; newest: Message | undefined; ids: Set<string> };

function heldOf(id: string): Held {
  const thread = store.threads.get(id) ?? new Map<string, Message>();
  return { seq: store.lastSeq.get(id) ?? 0, auditSeq: store.audits.get(id)?.at(-1)?.seq ?? 0, newest: newestHeld(thread), ids: new Set(thread.keys()) };
}

export async function catchUp(sync: (tickets: Record<string, number>) => Promise<SyncAck>, awaySince: number): Promise<void> {
  const budget = { left: PAGES };
  const selected = store.selected;
  const held = selected ? heldOf(selected) : undefined;
  const wrote = new Map([...store.tickets.values()].map((t) => [t.id, t.lastCustomerMessageAt ?? null]));

  // Other tickets' threads: only the agent's own unconfirmed copies are kept (a failed send stays visible).
  for (const [id, thread] of store.threads) {
    if (id === selected) continue;
    const own = [...thread].filter(([, m]) => m.pending);
    if (own.length) store.threads.set(id, new Map(own));
    else store.threads.delete(id);
  }

  try {
    await rereadList(budget, wrote, awaySince);
    if (selected && held) await catchUpTicket(selected, held, sync, budget);
  } catch (err) {
    if (!(err instanceof OutOfBudget)) throw err;
    await readViewAfresh(selected);
  }
  store.changed();
}

async function rereadList(budget: { left: number }, wrote: Map<string, string | null>, awaySince: number) {
  const q = store.filters.q;
  if (q) return void (await store.loadList()); // a search is one page
  const query = store.listQuery();
  const pages = Math.min(store.listPages, LIST_PAGES);
  const read = await readPages<TicketSummary>((cursor) => api.get(`/tickets${store.listQuery(cursor ?? undefined)}`), null, budget, pages);
  if (query !== store.listQuery()) return; // the agent changed the view meanwhile: that read is the one to show
  store.tickets = new Map(read.items.map((t) => [t.id, t]));
  store.nextCursor = read.next;
  store.listPages = pages;
  store.sort();
  for (const t of read.items) {
    const now = t.lastCustomerMessageAt;
    if (!now) continue;
    const before = wrote.get(t.id);
    const newer = before === undefined ? Date.parse(now) > awaySince : !before || now > before;
    const onScreen = t.id === store.selected && !document.hidden;
    // How many messages is not known without reading each thread: at least one.
    if (newer && !onScreen && !store.unread.get(t.id)) store.unread.set(t.id, 1);
  }
  store.changed();
}

async function catchUpTicket(id: string, before: Held, sync: (tickets: Record<string, number>) => Promise<SyncAck>, budget: { left: number }) {
  const res = await sync({ [id]: before.seq });
  if (res?.gone?.includes(id)) {
    store.revoked.add(id);
    store.changed();
    return;
  }
  if (res?.ok && !(id in (res.stale ?? {}))) return;

  await store.loadDetail(id).catch(() => undefined);

  // The audit after the newest seq held, page after page.
  const afterSeq = before.auditSeq;
  const audit = await readPages<AuditEvent>(
    async (cursor) => {
      const page = await api.get<{ items: AuditEvent[] }>(`/tickets/${id}/audit${qs({ afterSeq: cursor ?? afterSeq, limit: AUDIT_PAGE })}`);
      return { items: page.items, nextCursor: page.items.length === AUDIT_PAGE ? String(page.items.at(-1)!.seq) : null };
    },
    null,
    budget,
  );

  // The thread after the newest message held (none held: its newest page, below).
  const fresh = before.newest
    ? await readPages<Message>((cursor) => api.get(`/tickets/${id}/messages${qs({ after: cursor, limit: THREAD_PAGE })}`), threadCursor(before.newest), budget)
    : { items: [] as Message[], next: null };
  const freshIds = new Set(fresh.items.map((m) => m.id));

  let wholeAgain = !before.newest;
  const statuses: Array<{ messageId: string; to: string }> = [];
  for (const e of audit.items) {
    const d = e.data as { messageId?: unknown; messageIds?: unknown; to?: unknown };
    if (e.type === 'message.delivery_changed' && typeof d.messageId === 'string' && typeof d.to === 'string') {
      statuses.push({ messageId: d.messageId, to: d.to });
      continue;
    }
    const named = [...(typeof d.messageId === 'string' ? [d.messageId] : []), ...(Array.isArray(d.messageIds) ? d.messageIds.filter((x): x is string => typeof x === 'string') : [])];
    // An older message changed, or one dated before the newest held arrived, or some left (a split).
    if (named.some((m) => !freshIds.has(m))) wholeAgain = true;
    if (e.type.startsWith('ticket.split') || e.type.startsWith('ticket.merged')) wholeAgain = true;
  }

  const thread = store.thread(id);
  const inbound = fresh.items.filter((m) => m.direction === 'inbound' && !before.ids.has(m.id) && !thread.has(m.id)).length;
  // Live audit events since the reconnect are held already: merged by seq, each once.
  const bySeq = new Map([...(store.audits.get(id) ?? []), ...audit.items].map((e) => [e.seq, e]));
  store.audits.set(id, [...bySeq.values()].sort((a, b) => a.seq - b.seq));
  store.bumpSeq(id, store.audits.get(id)!.at(-1)?.seq);
  if (wholeAgain) {
    if (budget.left <= 0) throw new OutOfBudget();
    budget.left--;
    await store.loadThread(id);
  } else {
    for (const m of fresh.items) store.addMessage(m, id);
  }
  const rank: Record<string, number> = { queued: 0, sending: 1, sent: 2, delivered: 3, read: 4, failed: 5 };
  const current = store.thread(id);
  for (const { messageId, to } of statuses) {
    const m = current.get(messageId);
    if (m && (rank[to] ?? -1) > (rank[m.deliveryStatus] ?? -1)) current.set(messageId, { ...m, deliveryStatus: to });
  }
  // The agent was away from the open ticket too: what the customer wrote meanwhile counts as unread while the tab is hidden.
  if (inbound && document.hidden) store.unread.set(id, (store.unread.get(id) ?? 0) + inbound);
  store.changed();
}

/** The budget ran out: the view is read as a page load would read it (the composer and its files stay). */
async function readViewAfresh(selected: string | null) {
  await store.loadList().catch(() => undefined);
  if (!selected || store.selected !== selected) return;
  const own = [...(store.threads.get(selected) ?? [])].filter(([, m]) => m.pending);
  store.threads.set(selected, new Map(own));
  store.audits.delete(selected);
  await store.openTicket(selected).catch(() => undefined);
}
