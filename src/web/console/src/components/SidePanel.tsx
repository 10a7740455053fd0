import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { errorText } from '../error-text.ts';
import { clock, relative, t, type Key } from '../i18n.ts';
import { store, useStore } from '../store.ts';
import type { TicketDetail } from '../types.ts';
import { TicketTypeField } from './TicketTypeField.tsx';
import { MergeField } from './MergeField.tsx';
import { Avatar, ChannelBadge, StatusPill } from './bits.tsx';
import { CsatCard } from './CsatCard.tsx';
import { mt } from '../merged-i18n.ts';

const statuses = ['new', 'open', 'pending', 'on-hold', 'solved', 'closed'];
const priorities = ['low', 'normal', 'high', 'urgent'];

/** Answers the refusal's text, or null once the server accepted the change (callers keep input until then). */
async function send(id: string, body: Record<string, unknown>): Promise<string | null> {
  try {
    const d = await api.patch<TicketDetail>(`/tickets/${id}`, body);
    store.details.set(id, d);
    store.upsertTicket(d);
    void store.loadAudit(id).catch(() => undefined);
    return null;
  } catch (err) {
    return errorText(err);
  }
}

/**
 * One change at a time per field: its control is disabled and says "Saving…" until the server answered (on a slow
 * network a select used to sit on the new value with nothing saying whether it took), and a refusal names the
 * field (the select goes back to the stored value).
 */
async function patch(id: string, body: Record<string, unknown>, what: 'assignee' | 'department' | 'status' | 'priority' | 'tags' | 'snooze') {
  const key = `${id}:${what}`;
  if (store.saving.has(key)) return;
  store.saving.set(key, Object.values(body)[0]);
  store.changed();
  try {
    const refusal = await send(id, body);
    if (refusal) store.flash(t('changeFailed', { what: t(what), reason: refusal }));
  } finally {
    store.saving.delete(key);
    store.changed();
  }
}

function identityLabel(key: string) {
  const [kind, ...rest] = key.split(':');
  return { kind: kind ?? '', value: rest.join(':') };
}

export function SidePanel() {
  const s = useStore();
  const id = s.selected;
  const d = id ? s.details.get(id) : undefined;
  const [tag, setTag] = useState('');
  const [tagError, setTagError] = useState('');
  // Read again on a new message; status changes (this ticket's or another of the contact's) arrive live via the store.
  const contact = d?.contactId ? s.contactCards.get(d.contactId) ?? null : null;
  const busy = (what: string) => Boolean(id && s.saving.has(`${id}:${what}`));
  const savingAny = Boolean(id && [...s.saving.keys()].some((k) => k.startsWith(`${id}:`)));
  // While a pick is on its way its control shows it (a re-render would otherwise show the stored value again).
  const shown = (what: string, stored: string | null) => (busy(what) ? String(s.saving.get(`${id}:${what}`) ?? '') : (stored ?? ''));

  useEffect(() => {
    if (!d?.contactId) return;
    void store.loadContactCard(d.contactId).catch(() => undefined);
  }, [d?.contactId, d?.lastMessageAt]);

  // Another ticket's refusal does not belong under this one.
  useEffect(() => setTagError(''), [id]);

  if (!id || !d || s.revoked.has(id)) return <aside class="side-panel" />;

  // Phone-call tickets: the inbox's agent phone rings, then the customer (POST /tickets/:id/call).
  const callBack = async () => {
    try {
      await api.post(`/tickets/${id}/call`);
      store.flash(t('callBackStarted'));
    } catch (err) {
      store.flash(err instanceof Error ? err.message : String(err));
    }
  };

  const tomorrow9 = () => {
    const x = new Date();
    x.setDate(x.getDate() + 1);
    x.setHours(9, 0, 0, 0);
    return x.toISOString();
  };

  const c = contact?.contact ?? d.contact;
  return (
    <aside class="side-panel" data-testid="side-panel">
      <section class="card contact-card">
        <h3>{t('contact')}</h3>
        {c ? (
          <>
            <div class="contact-head">
              <Avatar name={c.name ?? c.email ?? '?'} size={40} />
              <div>
                <div class="contact-name" dir="auto">{c.name ?? c.email ?? c.phone ?? '—'}</div>
                {c.email ? <div class="muted">{c.email}</div> : null}
                {c.unverifiedEmail && c.unverifiedEmail !== c.email ? (
                  <div class="muted unverified-email" data-testid="unverified-email" title={t('unverifiedEmailHint')}>
                    {c.unverifiedEmail} <span class="pill unverified">{t('unverifiedEmail')}</span>
                  </div>
                ) : null}
                {c.phone ? <div class="muted">{c.phone}</div> : null}
              </div>
            </div>
            <h4>{t('identities')}</h4>
            <ul class="identities">
              {c.identities.map((k) => {
                const { kind, value } = identityLabel(k);
                return (
                  <li>
                    <span class="id-kind">{kind}</span> <span class="id-value">{value}</span>
                  </li>
                );
              })}
            </ul>
            {contact?.tickets.length ? (
              <>
                <h4>{t('pastTickets')}</h4>
                <ul class="past-tickets">
                  {contact.tickets.map((x) => (
                    <li class={x.id === id ? 'current' : ''} data-testid="contact-ticket" data-ticket-id={x.id}>
                      <a href={`#/t/${x.id}`}>
                        <ChannelBadge channel={x.channel} compact /> <span class="num">#{x.number}</span> <span class="ellipsis" dir="auto">{x.subject}</span>
                      </a>
                      <div class="past-meta">
                        <StatusPill status={x.status} /> <span class="muted">{relative(x.lastMessageAt)}</span>
                      </div>
                    </li>
                  ))}
                </ul>
              </>
            ) : null}
          </>
        ) : (
          <p class="muted">—</p>
        )}
      </section>

      <CsatCard d={d} />

      <section class="card actions">
        <h3>
          {t('actions')}{' '}
          {savingAny ? (
            <span class="muted saving" role="status" data-testid="saving">
              {t('saving')}
            </span>
          ) : null}
        </h3>
        <label>
          {t('assignee')}
          <div class="row">
            <select data-testid="assignee" value={shown('assignee', d.assigneeId)} disabled={busy('assignee')} aria-busy={busy('assignee')} onChange={(e) => void patch(id, { assigneeId: e.currentTarget.value || null }, 'assignee')}>
              <option value="">{t('nobody')}</option>
              {s.users
                .filter((u) => u.active)
                .map((u) => (
                  <option value={u.id}>
                    {u.name} {s.presence.get(u.id) === 'online' ? '●' : ''}
                  </option>
                ))}
            </select>
            {d.assigneeId !== s.me?.id ? (
              <button class="btn small" data-testid="assign-to-me" disabled={busy('assignee')} aria-busy={busy('assignee')} onClick={() => void patch(id, { assigneeId: s.me!.id }, 'assignee')}>
                {t('assignToMe')}
              </button>
            ) : null}
          </div>
        </label>
        <label>
          {t('department')}
          <select data-testid="department" value={shown('department', d.departmentId)} disabled={busy('department')} aria-busy={busy('department')} onChange={(e) => void patch(id, { departmentId: e.currentTarget.value || null }, 'department')}>
            <option value="">{t('triage')}</option>
            {s.departments.map((x) => (
              <option value={x.id}>{x.name}</option>
            ))}
          </select>
        </label>
        <div class="two">
          <label>
            {t('status')}
            <select
              data-testid="status"
              value={shown('status', d.status)}
              // The server refuses a merged ticket's status change (409 TICKET_MERGED): it stays closed into the other.
              disabled={busy('status') || Boolean(d.mergedInto)}
              title={d.mergedInto ? mt('mergedStatusHint') : undefined}
              aria-busy={busy('status')}
              onChange={(e) => void patch(id, { status: e.currentTarget.value }, 'status')}>
              {statuses.map((x) => (
                <option value={x}>{t(`st_${x}` as Key)}</option>
              ))}
            </select>
          </label>
          <label>
            {t('priority')}
            <select data-testid="priority" value={shown('priority', d.priority)} disabled={busy('priority')} aria-busy={busy('priority')} onChange={(e) => void patch(id, { priority: e.currentTarget.value }, 'priority')}>
              {priorities.map((x) => (
                <option value={x}>{t(`pr_${x}` as Key)}</option>
              ))}
            </select>
          </label>
        </div>
        <TicketTypeField id={id} value={d.type ?? null} />
        <div>
          <span class="label">{t('tags')}</span>
          <div class="tags">
            {d.tags.map((g) => (
              <span class="tag">
                {g}
                <button class="link" aria-label={`remove ${g}`} disabled={busy('tags')} onClick={() => void patch(id, { removeTags: [g] }, 'tags')}>
                  ×
                </button>
              </span>
            ))}
            <input
              class="tag-input"
              maxLength={60} // the API's limit (TicketPatchSchema): longer ones were refused after the field emptied
              placeholder={t('addTag')}
              value={tag}
              aria-invalid={tagError ? 'true' : undefined}
              onInput={(e) => (setTag(e.currentTarget.value), setTagError(''))}
              onKeyDown={(e) => {
                if (e.key !== 'Enter' || !tag.trim()) return;
                const typed = tag;
                // Emptied only once the server took it: a refused tag stays to be corrected, with the reason.
                void send(id, { addTags: [typed.trim()] }).then((refusal) => {
                  if (refusal) setTagError(refusal);
                  else setTag((now) => (now === typed ? '' : now));
                });
              }}
            />
          </div>
          {tagError ? (
            <div class="field-error" role="alert" data-testid="tag-error">
              {tagError}
            </div>
          ) : null}
        </div>
        <div>
          <span class="label">{t('snooze')}</span>
          <div class="row">
            <button class="btn small" disabled={busy('snooze')} onClick={() => void patch(id, { snoozedUntil: new Date(Date.now() + 3_600_000).toISOString() }, 'snooze')}>
              {t('snoozeFor1h')}
            </button>
            <button class="btn small" disabled={busy('snooze')} onClick={() => void patch(id, { snoozedUntil: tomorrow9() }, 'snooze')}>
              {t('snoozeTomorrow')}
            </button>
            {d.snoozedUntil ? (
              <button class="btn small" disabled={busy('snooze')} onClick={() => void patch(id, { snoozedUntil: null }, 'snooze')} title={clock(d.snoozedUntil)}>
                {t('unsnooze')}
              </button>
            ) : null}
          </div>
        </div>
        {d.channel === 'voice' ? (
          <div>
            <button class="btn small" data-testid="call-back" onClick={() => void callBack()}>
              📞 {t('callBack')}
            </button>
          </div>
        ) : null}
        {/* Already merged: merging it again is refused (it went into one ticket for good). */}
        {d.mergedInto ? null : <MergeField ticket={d} />}
      </section>
    </aside>
  );
}
