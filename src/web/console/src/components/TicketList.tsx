import { useEffect, useRef, useState } from 'preact/hooks';
import { relative, t } from '../i18n.ts';
import { store, useStore } from '../store.ts';
import { tt } from '../tickets-i18n.ts';
import { ChannelBadge, PriorityMark, SlaChip, StatusPill } from './bits.tsx';
import { NewConversationButton } from './NewConversation.tsx';

/** Searching as the agent types: the server is asked once the typing pauses. */
const SEARCH_DEBOUNCE_MS = 250;

function SearchBox({ q }: { q: string }) {
  const [text, setText] = useState(q);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => setText(q), [q]);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const apply = (value: string, delay: number) => {
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => {
      if (value.trim() !== store.filters.q) store.setFilters({ q: value.trim() });
    }, delay);
  };
  return (
    <input
      type="search"
      class="search"
      data-testid="ticket-search"
      placeholder={tt('searchTickets')}
      aria-label={tt('searchTickets')}
      value={text}
      onInput={(e) => {
        setText(e.currentTarget.value);
        apply(e.currentTarget.value, SEARCH_DEBOUNCE_MS);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter') apply(e.currentTarget.value, 0);
      }}
    />
  );
}

/** The end of a list longer than a page: the next page loads when it scrolls into view, or on a click or Enter. */
function MoreTickets({ loading }: { loading: boolean }) {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el || !('IntersectionObserver' in window)) return;
    const seen = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void store.loadMore().catch(() => undefined);
    });
    seen.observe(el);
    return () => seen.disconnect();
  }, [loading]); // observed again after a page: still in view means the next one is wanted too
  return (
    <button ref={ref} class="btn ghost list-more" data-testid="list-more" disabled={loading} onClick={() => void store.loadMore().catch((err: Error) => store.flash(err.message))}>
      {loading ? t('loading') : tt('showMore')}
    </button>
  );
}

export function TicketList() {
  const s = useStore();
  const q = s.filters.q;
  return (
    <section class="ticket-list" aria-label="Tickets">
      <div class="list-head">
        <SearchBox q={q} />
        <NewConversationButton />
      </div>
      {q ? (
        <div class="search-note" data-testid="search-note">
          {tt('searchResults', { q })}
          {s.searchPartial ? (
            <div class="search-partial" data-testid="search-partial">
              {tt('searchPartial')}
            </div>
          ) : null}
        </div>
      ) : null}
      <ul data-testid="ticket-list">
        {s.order.length === 0 ? <li class="empty">{s.listLoading ? t('loading') : q ? tt('searchNone', { q }) : t('noTickets')}</li> : null}
        {s.order.map((id) => {
          const tk = s.tickets.get(id)!;
          const unread = s.unread.get(id) ?? 0;
          const assignee = tk.assigneeId ? s.users.find((u) => u.id === tk.assigneeId)?.name : null;
          return (
            <li key={id}>
              <a
                href={`#/t/${id}`}
                class={`ticket-row ${s.selected === id ? 'selected' : ''} ${unread ? 'unread' : ''}`}
                data-testid="ticket-row"
                data-ticket-id={id}
                data-number={tk.number}
              >
                <div class="row-top">
                  <ChannelBadge channel={tk.channel} compact />
                  <span class="subject" dir="auto">{tk.subject || `#${tk.number}`}</span>
                  {unread ? (
                    <span class="badge" data-testid="unread-badge">
                      {unread}
                    </span>
                  ) : null}
                </div>
                {tk.preview ? (
                  <div class="row-preview" dir="auto" data-testid="ticket-preview" title={tk.preview}>
                    {tk.preview}
                  </div>
                ) : null}
                <div class="row-bottom">
                  <span class="num">#{tk.number}</span>
                  <StatusPill status={tk.status} />
                  <PriorityMark priority={tk.priority} />
                  <SlaChip due={tk.slaDueAt} />
                  <span class="spacer" />
                  {assignee ? <span class="assignee-name">{assignee}</span> : null}
                  <span class="when">{relative(tk.lastMessageAt)}</span>
                </div>
                {tk.tags.length ? (
                  <div class="row-tags">
                    {tk.tags.map((g) => (
                      <span class="tag">{g}</span>
                    ))}
                  </div>
                ) : null}
              </a>
            </li>
          );
        })}
        {s.nextCursor && !q ? (
          <li>
            <MoreTickets loading={s.listLoading} />
          </li>
        ) : null}
      </ul>
    </section>
  );
}
