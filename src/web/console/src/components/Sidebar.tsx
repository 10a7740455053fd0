import { t, type Key } from '../i18n.ts';
import { store, useStore, type View } from '../store.ts';
import { tt } from '../tickets-i18n.ts';

const channelOrder = ['email', 'whatsapp', 'telegram', 'sms', 'voice', 'messenger', 'webchat'];
const statuses = ['new', 'open', 'pending', 'on-hold', 'solved', 'closed'];
const priorities = ['urgent', 'high', 'normal', 'low'];

export function Sidebar() {
  const s = useStore();
  const supervisor = s.me?.role !== 'agent';
  const views: Array<[View, Key]> = [
    ['mine', 'mine'],
    ['unassigned', 'unassigned'],
    ['departments', 'myDepartments'],
    ...(supervisor ? ([['all', 'all']] as Array<[View, Key]>) : []),
  ];
  const unreadTotal = [...s.unread.values()].reduce((a, b) => a + b, 0);
  // Only channels this install has inboxes for: a filter on a kind nobody can receive is noise.
  const present = new Set<string>(s.inboxes.map((i) => i.kind));
  const channels = channelOrder.filter((c) => present.has(c));
  return (
    <nav class="sidebar">
      <h2>{t('views')}</h2>
      <ul class="views">
        {views.map(([v, label]) => (
          <li key={v}>
            <button class={`view-btn ${s.view === v ? 'active' : ''}`} data-testid={`view-${v}`} onClick={() => store.setView(v)}>
              {t(label)}
              {s.view === v && unreadTotal ? <span class="badge">{unreadTotal}</span> : null}
            </button>
          </li>
        ))}
        <li key="snoozed">
          <button class={`view-btn ${s.view === 'snoozed' ? 'active' : ''}`} data-testid="view-snoozed" onClick={() => store.setView('snoozed')}>
            💤 {tt('snoozedView')}
          </button>
        </li>
      </ul>
      <h2>{t('filters')}</h2>
      <div class="filters">
        <select aria-label={t('anyChannel')} value={s.filters.channel} onChange={(e) => store.setFilters({ channel: e.currentTarget.value })}>
          <option value="">{t('anyChannel')}</option>
          {channels.map((c) => (
            <option value={c}>{t(`ch_${c}` as Key)}</option>
          ))}
        </select>
        <select aria-label={t('status')} value={s.filters.status} onChange={(e) => store.setFilters({ status: e.currentTarget.value })}>
          <option value="">{t('anyStatus')}</option>
          {statuses.map((c) => (
            <option value={c}>{t(`st_${c}` as Key)}</option>
          ))}
        </select>
        <select aria-label={t('priority')} value={s.filters.priority} onChange={(e) => store.setFilters({ priority: e.currentTarget.value })}>
          <option value="">{t('anyPriority')}</option>
          {priorities.map((c) => (
            <option value={c}>{t(`pr_${c}` as Key)}</option>
          ))}
        </select>
        <select aria-label={t('department')} value={s.filters.departmentId} onChange={(e) => store.setFilters({ departmentId: e.currentTarget.value })}>
          <option value="">{t('anyDepartment')}</option>
          {s.departments.map((d) => (
            <option value={d.id}>{d.name}</option>
          ))}
        </select>
        <input
          placeholder={t('tag')}
          aria-label={t('tag')}
          value={s.filters.tag}
          onChange={(e) => store.setFilters({ tag: e.currentTarget.value.trim() })}
        />
      </div>
      <div class="inbox-health">
        {s.inboxes.map((i) => (
          <div class="inbox-row" title={i.health.detail ?? i.health.status}>
            <span class={`health-dot ${i.health.status}`} />
            <span>{i.name}</span>
          </div>
        ))}
      </div>
    </nav>
  );
}
