import { io, type Socket } from 'socket.io-client';
import { messagePreview } from '../../../core/tickets/message-preview.ts';
import { api, ApiError } from './api.ts';
import { coalesce } from './coalesce.ts';
import { catchUp } from './catch-up.ts';
import { t } from './i18n.ts';
import { store } from './store.ts';
import { listenSlaAlerts } from './sla-alerts.ts';
import { sessionEnded } from './session-end.ts';
import type { InboxHealth, Message, Presence, TicketSummary, TicketViewer } from './types.ts';

/**
 * The console's realtime link. The server authenticates the handshake from
 * the session cookie and decides the rooms; the console only asks to join the
 * ticket it opens (refused unless the REST API would show it too).
 *
 * Catch-up (`catch-up.ts`): on every reconnect the console reads the list
 * again and, if `sync` says the open ticket changed, what it missed of it.
 * Messages are merged by id, so what arrived live and again by the fetch is
 * shown once.
 */
let socket: Socket | undefined;
let connectedOnce = false;
let joined: string | null = null;
/** When the connection went (the catch-up marks unread what customers wrote since). */
let awaySince = 0;

type Scoped = { scope: { ticketId: string; departmentId: string | null; assigneeId: string | null }; seq?: number };

export function connect() {
  socket = io({ withCredentials: true, transports: ['websocket', 'polling'] });
  (window as unknown as { ponteSocket: Socket }).ponteSocket = socket;
  listenSlaAlerts(socket);

  socket.on('connect', () => {
    store.connection = 'online';
    store.changed();
    if (connectedOnce) {
      const since = awaySince || Date.now();
      void catchUp((tickets) => socket!.timeout(10_000).emitWithAck('sync', { tickets }).catch(() => null), since)
        .then(() => {
          if (store.connection === 'online') awaySince = 0;
        })
        .catch(() => undefined);
    }
    connectedOnce = true;
    if (store.selected) void join(store.selected);
    socket!.emit('presence:set', { status: document.hidden ? 'away' : 'online' });
  });
  socket.on('disconnect', (reason) => {
    store.connection = 'offline';
    awaySince ||= Date.now();
    joined = null;
    store.changed();
    // The server hangs up on a session that ended (and socket.io then never reconnects by itself): a 401 from
    // /auth/me takes the console to the sign-in page; any other answer means it may come back.
    if (reason === 'io server disconnect') {
      void api.get('/auth/me').then(
        () => socket?.connect(),
        (err: unknown) => {
          if (err instanceof ApiError && err.status === 401) sessionEnded();
          else setTimeout(() => socket?.connect(), 2000);
        },
      );
    }
  });
  socket.on('connect_error', (err: Error & { data?: { code?: string } }) => {
    store.connection = 'offline';
    store.changed();
    if (err.data?.code === 'UNAUTHENTICATED') sessionEnded();
  });

  socket.on('ticket.created', (e: Scoped & { ticket: TicketSummary }) => {
    regained(e.ticket.id);
    store.bumpSeq(e.ticket.id, e.seq);
    store.upsertTicket(e.ticket);
  });
  socket.on('ticket.updated', (e: Scoped & { ticket: TicketSummary; change?: string }) => {
    regained(e.ticket.id);
    store.bumpSeq(e.ticket.id, e.seq);
    store.upsertTicket(e.ticket);
    if (store.selected === e.ticket.id) void store.loadAudit(e.ticket.id).catch(() => undefined);
    // Messages moved out of or into this ticket (a split, maybe by another agent), or another ticket merged into it
    // (its messages now show here; the summary does not say `mergedInto`/`mergedTicketIds`): read again.
    if ((e.change === 'split_out' || e.change === 'split_in' || e.change === 'merged') && store.threads.has(e.ticket.id)) {
      void store.reloadThread(e.ticket.id).catch(() => undefined);
      if (store.details.has(e.ticket.id)) void store.loadDetail(e.ticket.id).catch(() => undefined);
    }
  });
  // The customer was asked for a rating or answered: the side panel's rating card is read again.
  const csatChanged = (e: Scoped) => {
    store.bumpSeq(e.scope.ticketId, e.seq);
    if (store.details.has(e.scope.ticketId)) void store.loadDetail(e.scope.ticketId).catch(() => undefined);
    if (store.selected === e.scope.ticketId) void store.loadAudit(e.scope.ticketId).catch(() => undefined);
  };
  socket.on('ticket.csat_requested', csatChanged);
  socket.on('ticket.csat_rated', csatChanged);
  socket.on('ticket.revoked', (e: { ticketId: string }) => {
    store.revoked.add(e.ticketId);
    store.removeTicket(e.ticketId);
  });
  socket.on('message.created', (e: Scoped & { message: Message }) => {
    const m = e.message;
    store.bumpSeq(m.ticketId, e.seq);
    if (store.threads.has(m.ticketId)) store.addLive(m);
    const known = store.tickets.get(m.ticketId);
    if (known) {
      // The row's second line is the newest conversation message, as the server keeps it (notes never).
      const newest = m.kind === 'message' && m.occurredAt >= known.lastMessageAt;
      const preview = newest ? messagePreview(m.text, m.attachments) : known.preview;
      store.upsertTicket({ ...known, lastMessageAt: m.occurredAt > known.lastMessageAt ? m.occurredAt : known.lastMessageAt, ...(preview ? { preview } : {}) });
    }
    else void fetchSummary(m.ticketId);
    if (m.direction === 'inbound') {
      store.customerTyping.delete(m.ticketId);
      if (store.selected !== m.ticketId || document.hidden) {
        store.unread.set(m.ticketId, (store.unread.get(m.ticketId) ?? 0) + 1);
        if (e.scope.assigneeId === store.me?.id) notify(m, known?.number);
      }
    }
    store.changed();
  });
  // A call entry completed later (outcome, recording, transcription): the whole message again.
  socket.on('message.updated', (e: Scoped & { message: Message }) => {
    store.bumpSeq(e.scope.ticketId, e.seq);
    if (store.threads.has(e.message.ticketId)) store.addLive(e.message);
    store.changed();
  });
  socket.on('message.status_changed', (e: Scoped & { messageId: string; status: string; reason?: string }) => {
    store.bumpSeq(e.scope.ticketId, e.seq);
    const thread = store.threads.get(e.scope.ticketId);
    const m = thread?.get(e.messageId);
    if (thread && m) thread.set(m.id, { ...m, deliveryStatus: e.status, ...(e.reason ? { delivery: { lastError: e.reason } } : {}) });
    store.changed();
  });
  socket.on('message.annotated', (e: Scoped & { messageId: string; revoked: boolean; reactions: Array<{ by: string; emoji: string }> }) => {
    store.bumpSeq(e.scope.ticketId, e.seq);
    const thread = store.threads.get(e.scope.ticketId);
    const m = thread?.get(e.messageId);
    if (thread && m) thread.set(m.id, { ...m, revoked: e.revoked, reactions: e.reactions });
    store.changed();
  });
  // The health of an inbox (a pairing QR code only reaches admins); replaces the stored health as a whole.
  socket.on('channel.state_changed', (e: { inboxId: string; at: string; status: InboxHealth['status']; detail?: string; qr?: string }) => {
    const health: InboxHealth = { status: e.status, checkedAt: e.at, ...(e.detail ? { detail: e.detail } : {}), ...(e.qr ? { qr: e.qr } : {}) };
    store.inboxes = store.inboxes.map((i) => (i.id === e.inboxId ? { ...i, health } : i));
    store.changed();
    // The settings screen also shows who holds the session, which the event does not carry.
    if (location.hash.startsWith('#/settings')) void store.loadInboxes().catch(() => undefined);
  });
  // Created, changed or deleted (by another admin, or the runtime): re-read the list (names, session holders).
  socket.on('inbox.changed', () => void store.loadInboxes().catch(() => undefined));
  // A burst (an admin importing agents) is one read per list, not one per event; a long import, one every 5 s.
  const reread = { users: coalesce(() => store.loadDirectory('users'), 1000, 5000), departments: coalesce(() => store.loadDirectory('departments'), 1000, 5000) };
  socket.on('directory.changed', (e: { what: 'users' | 'departments' }) => reread[e.what]?.());
  socket.on('report.live', (snapshot: unknown) => window.dispatchEvent(new CustomEvent('ponte:report-live', { detail: snapshot })));
  socket.on('user.availability_changed', (e: unknown) => window.dispatchEvent(new CustomEvent('ponte:availability', { detail: e })));
  socket.on('presence:snapshot', (list: Array<{ userId: string; status: Presence }>) => {
    store.presence = new Map(list.map((p) => [p.userId, p.status]));
    store.changed();
  });
  // Changes arrive batched (one list per short window).
  socket.on('presence', (list: Array<{ userId: string; status: Presence }>) => {
    for (const p of list) store.presence.set(p.userId, p.status);
    store.changed();
  });
  socket.on('ticket:viewers', (e: { ticketId: string; viewers: TicketViewer[] }) => {
    store.viewers.set(e.ticketId, e.viewers);
    store.changed();
  });
  socket.on('visitor:typing', (e: { ticketId: string; typing: boolean }) => {
    if (e.typing) store.customerTyping.set(e.ticketId, Date.now() + 8000);
    else store.customerTyping.delete(e.ticketId);
    store.changed();
  });
  socket.on('agent:typing', (e: { ticketId: string; name: string; typing: boolean }) => {
    if (e.typing) store.agentTyping.set(e.ticketId, { name: e.name, until: Date.now() + 6000 });
    else store.agentTyping.delete(e.ticketId);
    store.changed();
  });

  document.addEventListener('visibilitychange', () => {
    socket?.emit('presence:set', { status: document.hidden ? 'away' : 'online' });
    // Back on the tab: what arrived for the open ticket meanwhile is on screen now (clicking its row, already
    // selected, would not clear the badge).
    if (!document.hidden && store.selected && store.unread.delete(store.selected)) store.changed();
  });
}

/**
 * Ticket events reach only the rooms that may see the ticket, so one for a ticket we had lost (transferred
 * away and back, reassigned to us) means it is ours to see again: the open one is read and joined afresh.
 */
function regained(ticketId: string) {
  if (!store.revoked.delete(ticketId)) return;
  store.changed();
  if (store.selected === ticketId) void store.openTicket(ticketId).then(() => join(ticketId), () => store.revoked.add(ticketId));
}

async function fetchSummary(ticketId: string) {
  try {
    const d = await api.get<TicketSummary>(`/tickets/${ticketId}`);
    store.upsertTicket(d);
  } catch {
    // not visible (any more): nothing to show
  }
}

export async function join(ticketId: string | null) {
  if (!socket) return;
  if (joined && joined !== ticketId) socket.emit('ticket:leave', { ticketId: joined });
  joined = ticketId;
  if (!ticketId || !socket.connected) return;
  const res = (await socket.timeout(10_000).emitWithAck('ticket:join', { ticketId }).catch(() => null)) as { ok: boolean; viewers?: TicketViewer[] } | null;
  if (res?.ok && res.viewers) store.viewers.set(ticketId, res.viewers);
  if (res && !res.ok) store.revoked.add(ticketId);
  store.changed();
}

let lastTyping = 0;
let typingOff: ReturnType<typeof setTimeout> | undefined;
/** Throttled: at most one "typing" per 2 s, and "stopped" after 4 s of quiet. */
/** `recipientId`: a reply to the customer of a ticket merged into this one (they see "typing…", not the ticket's own). */
export function typing(ticketId: string, mode: 'reply' | 'note', active: boolean, recipientId?: string) {
  if (!socket?.connected) return;
  clearTimeout(typingOff);
  const to = mode === 'reply' && recipientId && recipientId !== ticketId ? { recipientId } : {};
  if (!active) {
    lastTyping = 0;
    socket.emit('typing', { ticketId, mode, typing: false, ...to });
    return;
  }
  if (Date.now() - lastTyping > 2000) {
    lastTyping = Date.now();
    socket.emit('typing', { ticketId, mode, typing: true, ...to });
  }
  typingOff = setTimeout(() => typing(ticketId, mode, false, recipientId), 4000);
}

export function activity(ticketId: string, value: 'viewing' | 'replying' | 'noting') {
  socket?.emit('ticket:activity', { ticketId, activity: value });
}

let audio: AudioContext | undefined;
function beep() {
  try {
    audio ??= new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.08, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.25);
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.25);
  } catch {
    // no audio device
  }
}

function notify(m: Message, number: number | undefined) {
  if (store.settings.sound) beep();
  if (store.settings.notify && 'Notification' in window && Notification.permission === 'granted') {
    const n = new Notification(t('newMessageOn', { number: number ?? '' }), { body: `${m.authorName ?? ''}: ${m.text.slice(0, 140)}`, tag: m.ticketId });
    n.onclick = () => {
      window.focus();
      location.hash = `#/t/${m.ticketId}`;
    };
  }
}
