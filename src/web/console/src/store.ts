import { useEffect, useState } from 'preact/hooks';
import { api, qs } from './api.ts';
import { isBefore } from './read-pages.ts';
import type { AuditEvent, Canned, ChannelDescription, ConnectionReport, Contact, Department, Inbox, Message, Presence, TicketDetail, TicketSummary, TicketViewer, User, Viewer } from './types.ts';

/** The audit is read in pages of AUDIT_PAGE, at most AUDIT_PAGES of them when a ticket opens (loadAudit). */
const AUDIT_PAGE = 500;
const AUDIT_PAGES = 20;

export type View = 'mine' | 'unassigned' | 'departments' | 'all' | 'snoozed';
export interface Filters {
  channel: string;
  status: string;
  priority: string;
  tag: string;
  departmentId: string;
  q: string;
}

export const ACTIVE_STATUSES = ['new', 'open', 'pending', 'on-hold'];

/**
 * Messages read at once from a thread: opening a ticket reads its newest page only, older pages are read as the
 * agent scrolls up (a 1,000-message thread read whole, oldest first, took seconds before anything showed).
 */
export const THREAD_PAGE = 100;

type ThreadPage = { items: Message[]; nextCursor: string | null; prevCursor: string | null };

/** With a search text the list shows the server's search (all statuses, bodies and contacts included). */
const searchPath = (q: string) => `/search/tickets${qs({ q, limit: 50 })}`;

/**
 * The console's state in one place. Components subscribe with `useStore()`;
 * every change bumps a version and re-renders subscribers. Messages are kept
 * per ticket in a Map keyed by message id, so an event delivered twice (live
 * and again by the catch-up fetch) is shown once.
 */
class Store {
  me: Viewer | null = null;
  users: User[] = [];
  departments: Department[] = [];
  inboxes: Inbox[] = [];
  /** Channel kinds this hub runs, with their settings forms (`GET /api/channel-kinds`); loaded by the settings screen. */
  kinds: ChannelDescription[] = [];
  /** The last "test connection" of each inbox this session, or 'testing' while it runs. */
  inboxTests = new Map<string, ConnectionReport | 'testing'>();
  canned: Canned[] = [];
  view: View = 'mine';
  filters: Filters = { channel: '', status: '', priority: '', tag: '', departmentId: '', q: '' };
  tickets = new Map<string, TicketSummary>();
  order: string[] = [];
  listLoading = false;
  /** The list's next page (`GET /tickets?cursor=`), null at the end; a search is one page. */
  nextCursor: string | null = null;
  /** How many pages of the list are shown (a reconnect reads as many again). */
  listPages = 1;
  /** The search read only part of its candidates (`partial` in its answer): older matches may be missing. */
  searchPartial = false;
  unread = new Map<string, number>();
  selected: string | null = null;
  details = new Map<string, TicketDetail>();
  threads = new Map<string, Map<string, Message>>();
  /**
   * Per thread held: the `before` cursor of the page older than the messages held, null once the first message
   * is held, absent before the first read. Live messages older than that point are left for the scroll to read.
   */
  olderCursor = new Map<string, string | null>();
  /** Threads whose older page is on its way, or whose last attempt failed (the view offers to try again). */
  olderState = new Map<string, 'loading' | 'failed'>();
  /**
   * Bumped by each read of a thread's newest page: an older page read before it no longer fits and is dropped,
   * and the view goes to the bottom (the older messages above it may be gone).
   */
  threadReads = new Map<string, number>();
  /** Told just before older messages go in front of a thread (the view notes what the agent is looking at). */
  private olderListeners = new Set<(ticketId: string) => void>();
  audits = new Map<string, AuditEvent[]>();
  lastSeq = new Map<string, number>();
  viewers = new Map<string, TicketViewer[]>();
  presence = new Map<string, Presence>();
  customerTyping = new Map<string, number>();
  agentTyping = new Map<string, { name: string; until: number }>();
  revoked = new Set<string>();
  /** The side panel's contact card (`GET /contacts/:id`) per contact; its tickets follow live ticket events. */
  contactCards = new Map<string, { contact: Contact; tickets: TicketSummary[] }>();
  connection: 'connecting' | 'online' | 'offline' = 'connecting';
  settings = { notify: localStorage.getItem('ponte.notify') === '1', sound: localStorage.getItem('ponte.sound') !== '0' };
  toast: string | null = null;
  /** Side-panel changes on their way to the server (`<ticketId>:<field>` → the value sent): their control shows it and waits. */
  saving = new Map<string, unknown>();

  private version = 0;
  private listeners = new Set<() => void>();
  private scheduled = false;

  subscribe(fn: () => void) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Batches bursts of events into one render per frame. */
  changed() {
    this.version++;
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      for (const fn of this.listeners) fn();
    });
  }

  get v() {
    return this.version;
  }

  // ---- ticket list ----------------------------------------------------------------------

  listQuery(cursor?: string): string {
    const f = this.filters;
    const assignee = this.view === 'mine' ? 'me' : this.view === 'unassigned' ? 'unassigned' : undefined;
    return qs({
      assignee,
      status: f.status || ACTIVE_STATUSES.join(','),
      channel: f.channel,
      priority: f.priority,
      tag: f.tag,
      departmentId: f.departmentId,
      q: f.q,
      snoozed: this.view === 'snoozed' ? 'only' : 'exclude',
      sort: 'sla',
      limit: 100,
      cursor,
    });
  }

  /** Whether a ticket belongs in the list currently shown (for live insertion and removal). */
  matches(t: TicketSummary): boolean {
    const f = this.filters;
    const me = this.me;
    if (!me) return false;
    if (this.view === 'mine' && t.assigneeId !== me.id) return false;
    if (this.view === 'unassigned' && t.assigneeId) return false;
    if (this.view === 'departments' && t.departmentId && !me.departmentIds.includes(t.departmentId) && t.assigneeId !== me.id) return false;
    const snoozed = Boolean(t.snoozedUntil && Date.parse(t.snoozedUntil) > Date.now());
    if (snoozed !== (this.view === 'snoozed')) return false;
    const statuses = f.status ? f.status.split(',') : ACTIVE_STATUSES;
    if (!statuses.includes(t.status)) return false;
    if (f.channel && t.channel !== f.channel) return false;
    if (f.priority && t.priority !== f.priority) return false;
    if (f.tag && !t.tags.includes(f.tag.toLowerCase())) return false;
    if (f.departmentId && t.departmentId !== f.departmentId) return false;
    // A search lists what the server found (bodies, contacts…): live updates keep those rows, add none.
    if (f.q) return this.tickets.has(t.id);
    return true;
  }

  /** SLA urgency first (no deadline last), then the newest activity. */
  sort() {
    if (this.filters.q) {
      this.order = this.order.filter((id) => this.tickets.has(id)); // search results keep the server's order
      return;
    }
    const far = 8.64e15;
    this.order = [...this.tickets.values()]
      .sort((a, b) => {
        const da = a.slaDueAt ? Date.parse(a.slaDueAt) : far;
        const db = b.slaDueAt ? Date.parse(b.slaDueAt) : far;
        return da - db || Date.parse(b.lastMessageAt) - Date.parse(a.lastMessageAt) || b.number - a.number;
      })
      .map((t) => t.id);
  }

  async loadList() {
    this.listLoading = true;
    this.changed();
    const query = this.listQuery();
    try {
      const q = this.filters.q;
      const page = await api.get<{ items: TicketSummary[]; nextCursor?: string | null; partial?: boolean }>(q ? searchPath(q) : `/tickets${query}`);
      if (query !== this.listQuery()) return; // the filters changed meanwhile
      this.tickets = new Map(page.items.map((t) => [t.id, t]));
      this.nextCursor = q ? null : (page.nextCursor ?? null);
      this.listPages = 1;
      this.searchPartial = Boolean(q && page.partial);
      if (q) this.order = page.items.map((t) => t.id);
      this.sort();
    } finally {
      this.listLoading = false;
      this.changed();
    }
  }

  /** The next page of the list, added to the tickets already shown (the list stays sorted as a whole). */
  async loadMore() {
    const cursor = this.nextCursor;
    if (!cursor || this.listLoading || this.filters.q) return;
    const query = this.listQuery();
    this.listLoading = true;
    this.changed();
    try {
      const page = await api.get<{ items: TicketSummary[]; nextCursor: string | null }>(`/tickets${this.listQuery(cursor)}`);
      if (query !== this.listQuery() || cursor !== this.nextCursor) return; // filters changed or the list was reloaded
      // A ticket already shown (it may have arrived live) keeps its live copy.
      for (const t of page.items) if (!this.tickets.has(t.id)) this.tickets.set(t.id, t);
      this.nextCursor = page.nextCursor;
      this.listPages++;
      this.sort();
    } finally {
      this.listLoading = false;
      this.changed();
    }
  }

  upsertTicket(t: TicketSummary) {
    if (this.matches(t)) this.tickets.set(t.id, t);
    else this.tickets.delete(t.id);
    const d = this.details.get(t.id);
    if (d) this.details.set(t.id, { ...d, ...t });
    this.updateContactCards(t);
    this.sort();
    this.changed();
  }

  /** A ticket created or changed: the contact cards that list it (or list its contact) show it as it is now. */
  private updateContactCards(t: TicketSummary) {
    for (const [contactId, card] of this.contactCards) {
      const listed = card.tickets.some((x) => x.id === t.id);
      if (!listed && t.contactId !== contactId) continue;
      const tickets = listed ? card.tickets.map((x) => (x.id === t.id ? { ...x, ...t } : x)) : [t, ...card.tickets];
      tickets.sort((a, b) => Date.parse(b.lastMessageAt) - Date.parse(a.lastMessageAt));
      this.contactCards.set(contactId, { ...card, tickets });
    }
  }

  async loadContactCard(contactId: string) {
    const card = await api.get<{ contact: Contact; tickets: TicketSummary[] }>(`/contacts/${contactId}`);
    this.contactCards.set(contactId, { contact: card.contact, tickets: card.tickets });
    this.changed();
  }

  removeTicket(id: string) {
    this.tickets.delete(id);
    this.unread.delete(id);
    this.sort();
    this.changed();
  }

  setView(v: View) {
    this.view = v;
    void this.loadList();
  }

  setFilters(f: Partial<Filters>) {
    this.filters = { ...this.filters, ...f };
    void this.loadList();
  }

  // ---- one ticket --------------------------------------------------------------------------

  thread(id: string) {
    let m = this.threads.get(id);
    if (!m) this.threads.set(id, (m = new Map()));
    return m;
  }

  bumpSeq(ticketId: string, seq: number | undefined) {
    if (seq === undefined) return;
    if (seq > (this.lastSeq.get(ticketId) ?? 0)) this.lastSeq.set(ticketId, seq);
  }

  /** `threadId`: the ticket whose thread shows it (a merged ticket's messages show in the target's thread too). */
  addMessage(m: Message, threadId = m.ticketId) {
    const thread = this.thread(threadId);
    const prev = thread.get(m.id);
    // A later delivery status never goes back (live event and REST response may cross).
    const rank: Record<string, number> = { queued: 0, sending: 1, sent: 2, delivered: 3, read: 4, failed: 5 };
    if (prev && (rank[prev.deliveryStatus] ?? -1) > (rank[m.deliveryStatus] ?? -1)) m = { ...m, deliveryStatus: prev.deliveryStatus };
    thread.set(m.id, { ...prev, ...m, pending: undefined });
    // The optimistic copy (same text, still pending, or failed and now sent again) is replaced by the stored one.
    for (const [k, v] of thread) if ((v.pending === 'sending' || v.pending === 'failed') && v.tempId && v.text === m.text && v.kind === m.kind && m.authorType === 'agent') thread.delete(k);
    this.changed();
  }

  async openTicket(id: string | null) {
    this.selected = id;
    if (id) this.unread.delete(id);
    this.changed();
    if (!id) return;
    await Promise.all([this.loadDetail(id), this.loadThread(id), this.loadAudit(id)]);
  }

  async loadDetail(id: string) {
    const d = await api.get<TicketDetail>(`/tickets/${id}`);
    this.revoked.delete(id); // read just now: visible again (transferred back)
    this.details.set(id, d);
    this.changed();
  }

  /**
   * The thread's newest page, in place of what was held (older pages read before are dropped: the agent scrolls up
   * for them again); the agent's unconfirmed copies and messages that arrived live during the read stay.
   */
  async loadThread(id: string) {
    const read = (this.threadReads.get(id) ?? 0) + 1;
    this.threadReads.set(id, read);
    const heldBefore = new Set(this.threads.get(id)?.keys() ?? []);
    const page = await api.get<ThreadPage>(`/tickets/${id}/messages${qs({ before: 'end', limit: THREAD_PAGE })}`);
    if (this.threadReads.get(id) !== read) return; // a later read of the same thread answers instead
    const thread = this.thread(id);
    for (const [key, m] of thread) if (!m.pending && heldBefore.has(key)) thread.delete(key);
    // The page holds the messages of the tickets merged into this one too: they belong in this thread.
    for (const m of page.items) this.addMessage(m, id);
    this.olderCursor.set(id, page.prevCursor);
    this.olderState.delete(id);
    this.changed();
  }

  /** The thread read afresh (messages moved away by a split or in by a merge): its newest page, as on opening. */
  reloadThread(id: string) {
    return this.loadThread(id);
  }

  /** The page before the oldest message held, put in front of the thread (the view keeps its place). */
  async loadOlder(id: string) {
    const cursor = this.olderCursor.get(id);
    if (!cursor || this.olderState.get(id) === 'loading') return;
    const read = this.threadReads.get(id) ?? 0;
    this.olderState.set(id, 'loading');
    this.changed();
    try {
      const page = await api.get<ThreadPage>(`/tickets/${id}/messages${qs({ before: cursor, limit: THREAD_PAGE })}`);
      if (this.threadReads.get(id) !== read) return; // the thread was read anew meanwhile: this page may not join it
      for (const fn of this.olderListeners) fn(id);
      for (const m of page.items) this.addMessage(m, id);
      this.olderCursor.set(id, page.prevCursor);
      this.olderState.delete(id);
    } catch (err) {
      if (this.threadReads.get(id) === read) this.olderState.set(id, 'failed');
      throw err;
    } finally {
      this.changed();
    }
  }

  onOlderPage(fn: (ticketId: string) => void) {
    this.olderListeners.add(fn);
    return () => this.olderListeners.delete(fn);
  }

  /**
   * A message from a live event. One dated before the oldest held while older ones are not read yet (a late
   * delivery, an edit of an old message) is left for the scroll up to read: alone at the top it would stand
   * out of place, and the page read there brings it anyway.
   */
  addLive(m: Message) {
    const cursor = this.olderCursor.get(m.ticketId);
    if (cursor && isBefore(m, cursor)) return;
    this.addMessage(m);
  }

  /**
   * The audit after the last seq held, page after page: a long ticket has more than a page of it (every message
   * is an entry), and reading one page showed its oldest lines only, never today's status change. Bounded: past
   * AUDIT_PAGES pages the newest lines wait for the next open.
   */
  async loadAudit(id: string) {
    const known = this.audits.get(id) ?? [];
    const bySeq = new Map(known.map((e) => [e.seq, e]));
    let after = known.at(-1)?.seq ?? 0;
    for (let pages = 0; pages < AUDIT_PAGES; pages++) {
      const page = await api.get<{ items: AuditEvent[] }>(`/tickets/${id}/audit${qs({ afterSeq: after, limit: AUDIT_PAGE })}`);
      for (const e of page.items) bySeq.set(e.seq, e);
      if (page.items.length < AUDIT_PAGE) break;
      after = page.items.at(-1)!.seq;
    }
    const all = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    this.audits.set(id, all);
    this.bumpSeq(id, all.at(-1)?.seq);
    this.changed();
  }

  async loadReference() {
    const [users, departments, inboxes] = await Promise.all([
      api.get<{ items: User[] }>('/users').catch(() => ({ items: [] })),
      api.get<{ items: Department[] }>('/departments').catch(() => ({ items: [] })),
      api.get<{ items: Inbox[] }>('/inboxes').catch(() => ({ items: [] })),
    ]);
    this.users = users.items;
    this.departments = departments.items;
    this.inboxes = inboxes.items;
    this.canned = (await api.get<{ items: Canned[] }>('/canned-responses').catch(() => ({ items: [] }))).items;
    this.changed();
  }

  /** Another admin changed a user or department (`directory.changed`): only that list is read again. */
  async loadDirectory(what: 'users' | 'departments') {
    if (what === 'users') this.users = (await api.get<{ items: User[] }>('/users')).items;
    else this.departments = (await api.get<{ items: Department[] }>('/departments')).items;
    this.changed();
  }

  async loadInboxes() {
    this.inboxes = (await api.get<{ items: Inbox[] }>('/inboxes')).items;
    this.changed();
  }

  async loadKinds() {
    this.kinds = (await api.get<{ items: ChannelDescription[] }>('/channel-kinds')).items;
    this.changed();
  }

  flash(text: string) {
    this.toast = text;
    this.changed();
    setTimeout(() => {
      if (this.toast === text) {
        this.toast = null;
        this.changed();
      }
    }, 4000);
  }
}

export const store = new Store();
(window as unknown as { ponteStore: Store }).ponteStore = store;

export function useStore(): Store {
  const [, setV] = useState(store.v);
  useEffect(() => store.subscribe(() => setV(store.v)), []);
  return store;
}
