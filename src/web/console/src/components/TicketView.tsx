import { MacroMenu } from './MacroMenu.tsx';
import { automationAuditText } from './automation-audit.ts';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { clock, t, type Key } from '../i18n.ts';
import { store, useStore } from '../store.ts';
import { tt } from '../thread-i18n.ts';
import type { AuditEvent, Message } from '../types.ts';
import { ChannelBadge, PriorityMark, SlaChip, StatusPill } from './bits.tsx';
import { Composer } from './Composer.tsx';
import { MessageItem } from './MessageItem.tsx';
import { sentToLabel, useRecipients } from './RecipientPicker.tsx';
import { SlaPanel } from './SlaPanel.tsx';
import { SplitBar } from './SplitBar.tsx';
import { st as splitText } from '../split-i18n.ts';
import { st as slaText } from '../sla-i18n.ts';
import { MergedComposer, MergedFrom, MergedIntoBanner, useMergeTarget } from './MergedBanner.tsx';

/** Audit events worth a line in the thread (message events are the messages themselves). */
function auditLine(e: AuditEvent): string | null {
  const actor = e.actor.name ?? e.actor.type;
  const d = e.data as Record<string, any>;
  const st = (s: unknown) => (s ? t(`st_${s}` as Key) : '—');
  const pr = (s: unknown) => (s ? t(`pr_${s}` as Key) : '—');
  switch (e.type) {
    case 'ticket.created':
      return d.splitFrom ? splitText('au_created_split', { number: d.splitFrom.number }) : t('au_created');
    case 'ticket.assigned':
      return d.to ? t('au_assigned', { actor, to: d.toName ?? d.to }) : t('au_unassigned', { actor });
    case 'ticket.transferred':
      return t('au_transferred', { actor, to: d.toName ?? t('triage') });
    case 'ticket.status_changed':
      return t('au_status', { actor, from: st(d.from), to: st(d.to) });
    case 'ticket.priority_changed':
      return t('au_priority', { actor, from: pr(d.from), to: pr(d.to) });
    case 'ticket.tags_changed':
      return t('au_tags', { actor, tags: [...(d.added ?? []).map((x: string) => `+${x}`), ...(d.removed ?? []).map((x: string) => `−${x}`)].join(' ') });
    case 'ticket.snoozed':
      return t('au_snoozed', { actor, until: d.until ? clock(d.until) : '' });
    case 'ticket.unsnoozed':
    case 'ticket.snooze_ended':
      return t('au_unsnoozed', { actor });
    case 'ticket.reopened':
      return t('au_reopened', { reason: d.reason ?? '' });
    case 'ticket.merged_into':
      return t('au_merged_into', { actor, number: d.targetNumber });
    case 'ticket.merged_from':
      return t('au_merged_from', { actor, number: d.sourceNumber });
    case 'ticket.split_out':
      return splitText('au_split_out', { actor, count: (d.messageIds ?? []).length, number: d.targetNumber });
    case 'ticket.split_in':
      return splitText('au_split_in', { actor, count: (d.messageIds ?? []).length, number: d.sourceNumber });
    case 'message.moved':
      return t('au_message_moved', { number: d.toNumber });
    // A due time moved (a priority change, a policy edited, a pause ended) or passed: the history says which and why.
    case 'sla.changed': {
      const target = slaTarget(d.target);
      const reason = typeof d.reason === 'string' ? d.reason : '';
      return d.to ? slaText('au_sla_due', { target, time: clock(d.to), reason }) : slaText('au_sla_none', { target, reason });
    }
    case 'sla.breached':
      return slaText('au_sla_breached', { target: slaTarget(d.target) });
    case 'message.delivery_changed':
      return d.to === 'failed' ? t('au_failed', { reason: d.reason ?? d.code ?? '' }) : null;
    default:
      return automationAuditText(e, d, actor) ?? (e.type.startsWith('message.') ? null : t('au_other', { actor, type: e.type }));
  }
}

const slaTarget = (target: unknown) => (target === 'firstResponse' || target === 'nextResponse' || target === 'resolution' ? slaText(target) : String(target ?? ''));

type Item = { kind: 'message'; at: string; m: Message } | { kind: 'audit'; at: string; e: AuditEvent; text: string };

/** How close to the top of the thread (px) the page before is asked for: it is there before the agent reaches it. */
const OLDER_MARGIN_PX = 400;

/**
 * The thread's messages and audit lines in time order. While older messages are still to be read, audit lines
 * from before the oldest one held wait with them (they would all gather at the top).
 */
function threadItems(s: ReturnType<typeof useStore>, id: string, thread: Map<string, Message> | undefined): Item[] {
  const older = s.olderCursor.get(id);
  const from = typeof older === 'string' ? Number(older.split('_')[0]) : -Infinity;
  return [
    ...[...(thread?.values() ?? [])].map((m) => ({ kind: 'message' as const, at: m.occurredAt, m })),
    ...(s.audits.get(id) ?? []).flatMap((e) => {
      const text = Date.parse(e.at) >= from ? auditLine(e) : null;
      return text ? [{ kind: 'audit' as const, at: e.at, e, text }] : [];
    }),
  ].sort(inThreadOrder);
}

/**
 * Time first; at the same millisecond messages by id (the API's thread order: an older page read later would
 * otherwise land after the messages held), then audit lines by seq.
 */
function inThreadOrder(a: Item, b: Item): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  if (a.kind !== b.kind) return a.kind === 'message' ? -1 : 1;
  const [x, y] = a.kind === 'message' && b.kind === 'message' ? [a.m.id, b.m.id] : a.kind === 'audit' && b.kind === 'audit' ? [a.e.seq, b.e.seq] : [0, 0];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The first message at least partly in view, and how far below the top of the view its top is. */
function topMessage(el: HTMLElement): { messageId: string; top: number } | null {
  const top = el.getBoundingClientRect().top;
  for (const node of el.querySelectorAll<HTMLElement>('[data-message-id]')) {
    const r = node.getBoundingClientRect();
    if (r.bottom > top) return { messageId: node.dataset.messageId!, top: r.top - top };
  }
  return null;
}

export function TicketView() {
  const s = useStore();
  const id = s.selected;
  const detail = id ? s.details.get(id) : undefined;
  const scroller = useRef<HTMLDivElement>(null);
  const thread = id ? s.threads.get(id) : undefined;
  const count = thread?.size ?? 0;
  const recipients = useRecipients(detail, count);
  const mergeTarget = useMergeTarget(detail);
  // "Move messages": the ticked messages of this ticket's thread (cleared when another ticket opens).
  const [splitting, setSplitting] = useState(false);
  const [picked, setPicked] = useState<string[]>([]);
  useEffect(() => {
    setSplitting(false);
    setPicked([]);
  }, [id]);
  const toggle = (messageId: string) => setPicked((p) => (p.includes(messageId) ? p.filter((x) => x !== messageId) : [...p, messageId]));

  // The thread opens at the newest message and stays there while it fills in (the detail, the audit lines and
  // images arrive after the first render, e.g. when a ticket URL is opened directly), until the agent scrolls up.
  // A new message at the end brings the view down to it while the agent is at the end, or when it is their own;
  // an agent reading further up stays where they are and is told how many came below (they used to be pulled
  // down to the end mid-sentence by every customer message). Older pages put in front of it move nothing.
  const items = id ? threadItems(s, id, thread) : [];
  const messages = items.flatMap((it) => (it.kind === 'message' ? [it.m] : []));
  const newestMessage = messages.at(-1);
  const newest = newestMessage?.id;
  const stick = useRef(true);
  const reads = id ? (s.threadReads.get(id) ?? 0) : 0;
  const [below, setBelow] = useState(0);
  useEffect(() => {
    stick.current = true;
    setBelow(0);
  }, [id, reads]);
  const shownNewest = useRef<{ ticket: string | null; message: string | undefined; pending: boolean }>({ ticket: null, message: undefined, pending: false });
  useEffect(() => {
    const before = shownNewest.current;
    shownNewest.current = { ticket: id, message: newest, pending: Boolean(newestMessage?.pending) };
    if (!newest || before.ticket !== id || before.message === newest) return;
    if (newestMessage?.pending) stick.current = true;
    if (stick.current) return;
    // Several can come in one render (a catch-up, a burst): all those after the one that was newest count.
    const from = messages.findIndex((m) => m.id === before.message);
    // The agent's own optimistic copy, replaced by the stored message: nothing new to them.
    if (from < 0 && before.pending) return;
    const came = from >= 0 ? messages.length - 1 - from : 1;
    if (came > 0) setBelow((n) => n + came);
  }, [id, newest]);
  const toEnd = () => {
    const el = scroller.current;
    stick.current = true;
    setBelow(0);
    if (el) el.scrollTop = el.scrollHeight;
  };
  const rendered = Boolean(detail);
  const older = id ? s.olderCursor.get(id) : undefined;
  const olderState = id ? s.olderState.get(id) : undefined;
  useEffect(() => {
    const el = scroller.current;
    if (!el || !id) return;
    const toBottom = () => {
      if (stick.current) el.scrollTop = el.scrollHeight;
    };
    const onScroll = () => {
      stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
      if (stick.current) setBelow(0);
      // Near the top: the page before (the store reads one at a time, and only while there is one).
      if (el.scrollTop < OLDER_MARGIN_PX) void store.loadOlder(id).catch(() => undefined);
    };
    toBottom();
    const watcher = new MutationObserver(toBottom);
    watcher.observe(el, { childList: true, subtree: true, characterData: true });
    el.addEventListener('scroll', onScroll, { passive: true });
    el.addEventListener('load', toBottom, true); // images and media finishing their layout
    return () => {
      watcher.disconnect();
      el.removeEventListener('scroll', onScroll);
      el.removeEventListener('load', toBottom, true);
    };
  }, [id, rendered]);
  useEffect(() => {
    const el = scroller.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [id, newest, reads]);
  // Older messages go in front: the message at the top of the view stays where it is on the screen.
  const anchor = useRef<{ messageId: string; top: number } | null>(null);
  useEffect(
    () =>
      store.onOlderPage((ticketId) => {
        if (ticketId === id && scroller.current) anchor.current = topMessage(scroller.current);
      }),
    [id],
  );
  const oldest = messages[0]?.id;
  useLayoutEffect(() => {
    const el = scroller.current;
    const a = anchor.current;
    anchor.current = null;
    if (!el || !a) return;
    const node = el.querySelector(`[data-message-id="${a.messageId}"]`);
    if (!node) return;
    stick.current = false;
    el.scrollTop += node.getBoundingClientRect().top - el.getBoundingClientRect().top - a.top;
  }, [oldest]);
  // A newest page too short to scroll: nothing would ever ask for the page before it.
  useEffect(() => {
    const el = scroller.current;
    if (el && id && typeof older === 'string' && !olderState && el.scrollHeight <= el.clientHeight) void store.loadOlder(id).catch(() => undefined);
  }, [id, older, olderState, items.length]);

  if (!id) {
    return (
      <section class="ticket-view empty-state">
        <div>
          <div class="empty-icon">💬</div>
          <h2>{t('selectTicket')}</h2>
          <p class="muted">{t('selectTicketHint')}</p>
        </div>
      </section>
    );
  }
  if (s.revoked.has(id)) {
    return (
      <section class="ticket-view empty-state" data-testid="ticket-gone">
        <p>{t('ticketGone')}</p>
      </section>
    );
  }
  if (!detail) return <section class="ticket-view empty-state">{t('loading')}</section>;

  const viewers = (s.viewers.get(id) ?? []).filter((v) => v.userId !== s.me?.id);
  const customerTyping = (s.customerTyping.get(id) ?? 0) > Date.now();

  return (
    <section class="ticket-view" data-testid="ticket-view" data-ticket-id={id}>
      <header class="ticket-head">
        <div class="title-line">
          <h1>
            <span class="num">#{detail.number}</span> <span dir="auto">{detail.subject}</span>
          </h1>
        </div>
        <div class="meta-line">
          <ChannelBadge channel={detail.channel} />
          <StatusPill status={detail.status} />
          <PriorityMark priority={detail.priority} />
          <SlaChip due={detail.slaDueAt} />
          {detail.inbox ? <span class="muted">· {detail.inbox.name}</span> : null}
          {detail.snoozedUntil ? <span class="pill snoozed">💤 {t('snoozedUntil', { time: clock(detail.snoozedUntil) })}</span> : null}
          <MergedFrom detail={detail} />
          {/* The server refuses macros, status changes and moves on a merged ticket (409 TICKET_MERGED). */}
          {detail.mergedInto ? null : <MacroMenu ticketId={id} />}
          {!detail.mergedInto && !splitting ? (
            <button class="btn small" data-testid="split-start" onClick={() => setSplitting(true)}>
              {splitText('splitStart')}
            </button>
          ) : null}
        </div>
        <MergedIntoBanner detail={detail} target={mergeTarget} />
        {splitting ? (
          <SplitBar
            ticket={detail}
            selected={picked.filter((x) => thread?.has(x))}
            onClose={() => {
              setSplitting(false);
              setPicked([]);
            }}
          />
        ) : null}
        {detail.sla ? <SlaPanel detail={detail} /> : null}
        {viewers.length ? (
          <div class="collision" data-testid="collision">
            {viewers.map((v) => (
              <span class={`viewer ${v.activity}`}>
                {v.activity === 'replying' ? t('isReplying', { name: v.name }) : v.activity === 'noting' ? t('isNoting', { name: v.name }) : t('isViewing', { name: v.name })}
              </span>
            ))}
          </div>
        ) : null}
      </header>
      <div class="thread" ref={scroller} data-testid="thread">
        {older === null ? (
          <div class="thread-edge muted" data-testid="thread-start">
            {tt('threadStart')}
          </div>
        ) : older === undefined ? null : olderState === 'failed' ? (
          <div class="thread-edge" data-testid="older-failed">
            {tt('olderFailed')}{' '}
            <button class="link" onClick={() => void store.loadOlder(id).catch(() => undefined)}>
              {tt('olderRetry')}
            </button>
          </div>
        ) : (
          <div class="thread-edge muted" data-testid="older-loading">
            {tt('olderLoading')}
          </div>
        )}
        {items.map((it) =>
          it.kind === 'message' ? (
            <MessageItem key={it.m.id} m={it.m} to={sentToLabel(it.m, id, recipients)} {...(splitting && !it.m.pending ? { selectable: { checked: picked.includes(it.m.id), toggle: () => toggle(it.m.id) } } : {})} />
          ) : (
            <div class="audit-line" key={`a${it.e.seq}`} data-testid="audit-line">
              <span>{it.text}</span>
              <time>{clock(it.at)}</time>
            </div>
          ),
        )}
        {customerTyping ? <div class="typing-line" data-testid="customer-typing">{t('customerTyping')}</div> : null}
        {below ? (
          <button class="new-below" data-testid="new-below" onClick={toEnd}>
            {below === 1 ? tt('newBelowOne') : tt('newBelowMany').replace('{n}', String(below))} ↓
          </button>
        ) : null}
      </div>
      {detail.mergedInto ? <MergedComposer detail={detail} target={mergeTarget} /> : <Composer ticket={detail} recipients={recipients} />}
    </section>
  );
}
