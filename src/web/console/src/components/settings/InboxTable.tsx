import { relative, t } from '../../i18n.ts';
import { useStore } from '../../store.ts';
import { ChannelBadge } from '../bits.tsx';
import { HealthDot } from './bits.tsx';

/** All inboxes with health, last error and session holder; health moves live (`channel.state_changed`). */
export function InboxTable({ canEdit }: { canEdit: boolean }) {
  const s = useStore();
  return (
    <section class="settings-section">
      <div class="settings-head">
        <h1>{t('inboxes')}</h1>
        <span class="spacer" />
        {canEdit ? (
          <a class="btn primary" href="#/settings/inboxes/new" data-testid="new-inbox">
            + {t('newInbox')}
          </a>
        ) : null}
      </div>
      {canEdit ? null : <p class="muted">{t('readOnlySettings')}</p>}
      {s.inboxes.length === 0 ? (
        <p class="muted">{t('noInboxes')}</p>
      ) : (
        <table class="inbox-table" data-testid="inbox-table">
          <thead>
            <tr>
              <th>{t('inboxName')}</th>
              <th>{t('channelKind')}</th>
              <th>{t('health')}</th>
              <th>{t('sessionHolder')}</th>
              <th>{t('inboxState')}</th>
            </tr>
          </thead>
          <tbody>
            {s.inboxes.map((i) => (
              <tr key={i.id} data-testid="inbox-row" data-inbox-id={i.id} class={i.enabled ? '' : 'off'}>
                <td>
                  <a href={`#/settings/inboxes/${i.id}`} class="inbox-link">
                    {i.name}
                  </a>
                </td>
                <td>
                  <ChannelBadge channel={i.kind} />
                </td>
                <td>
                  <HealthDot health={i.health} />
                  {i.health.detail ? (
                    <div class={`health-detail ${i.health.status}`} data-testid="health-detail">
                      {i.health.detail}
                    </div>
                  ) : null}
                  {i.health.checkedAt ? <div class="health-when">{t('checkedAt', { time: relative(i.health.checkedAt) })}</div> : null}
                </td>
                <td class="holder" data-testid="session-holder">
                  {/* A disabled inbox's session is stopping: its lease may outlive the change by a moment. */}
                  {(i.enabled && i.session?.holder) || '—'}
                </td>
                <td>
                  <span class={`pill ${i.enabled ? 'st-solved' : 'st-closed'}`} data-testid="inbox-enabled" data-enabled={String(i.enabled)}>
                    {i.enabled ? t('enabled') : t('disabled')}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
