import { relative, t } from '../i18n.ts';
import { store, useStore } from '../store.ts';
import { ChannelBadge, PriorityMark, SlaChip, StatusPill } from './bits.tsx';

export function TicketList() {
  const s = useStore();
  return (
    <section class="ticket-list" aria-label="Tickets">
      <div class="list-head">
        <input
          type="search"
          class="search"
          placeholder={t('search')}
          value={s.filters.q}
          onChange={(e) => store.setFilters({ q: e.currentTarget.value.trim() })}
        />
      </div>
      <ul data-testid="ticket-list">
        {s.order.length === 0 ? <li class="empty">{s.listLoading ? t('loading') : t('noTickets')}</li> : null}
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
                  <span class="subject">{tk.subject || `#${tk.number}`}</span>
                  {unread ? (
                    <span class="badge" data-testid="unread-badge">
                      {unread}
                    </span>
                  ) : null}
                </div>
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
      </ul>
    </section>
  );
}
