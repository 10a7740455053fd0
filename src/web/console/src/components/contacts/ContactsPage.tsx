import { useEffect, useState } from 'preact/hooks';
import { api, qs } from '../../api.ts';
import { at } from '../../admin-i18n.ts';
import { relative, t, type Key } from '../../i18n.ts';
import { useStore } from '../../store.ts';
import type { TicketSummary } from '../../types.ts';
import type { ContactFull } from './contact-types.ts';
import { errorText } from '../../error-text.ts';
import { MergePanel, type MergeRecord } from './MergePanel.tsx';

export const isContactsRoute = () => location.hash.startsWith('#/contacts');
const routeContact = () => /^#\/contacts\/([0-9a-f]{24})/.exec(location.hash)?.[1] ?? null;


/** `#/contacts[/<id>]`: search (accent- and case-insensitive, as you type) and one contact's page. */
export function ContactsPage() {
  const [, setHash] = useState(location.hash);
  useEffect(() => {
    const onHash = () => setHash(location.hash);
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const id = routeContact();
  return (
    <div class="settings contacts-page" data-testid="contacts-page">
      <main class="settings-main">{id ? <ContactDetail key={id} id={id} /> : <ContactSearch />}</main>
    </div>
  );
}

function ContactSearch() {
  const [q, setQ] = useState(sessionStorage.getItem('ponte.contactQ') ?? '');
  const [items, setItems] = useState<ContactFull[] | null>(null);
  useEffect(() => {
    sessionStorage.setItem('ponte.contactQ', q);
    let live = true;
    const timer = setTimeout(() => {
      void api
        .get<{ items: ContactFull[] }>(`/contacts${qs({ q: q.trim(), limit: 50 })}`)
        .then((r) => live && setItems(r.items))
        .catch(() => live && setItems([]));
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [q]);
  return (
    <section class="settings-section">
      <div class="settings-head">
        <a href="#/" class="link back">
          ← {at('back')}
        </a>
      </div>
      <h1>{at('contacts')}</h1>
      <input class="contact-search" type="search" data-testid="contact-search" placeholder={at('searchContacts')} value={q} onInput={(e) => setQ(e.currentTarget.value)} autofocus />
      {items && items.length === 0 ? <p class="muted">{at('noContacts')}</p> : null}
      <table class="inbox-table" data-testid="contact-table">
        <tbody>
          {(items ?? []).map((c) => (
            <tr key={c.id} data-testid="contact-row" data-name={c.name ?? ''}>
              <td>
                <a class="inbox-link" href={`#/contacts/${c.id}`}>
                  {c.name ?? c.email ?? c.phone ?? c.identities[0]}
                </a>
              </td>
              <td>{c.email ?? ''}</td>
              <td>{c.phone ?? ''}</td>
              <td class="muted">{c.identities.join(' · ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

interface Detail {
  contact: ContactFull;
  tickets: TicketSummary[];
  merges: MergeRecord[];
}

function ContactDetail({ id }: { id: string }) {
  const s = useStore();
  const [detail, setDetail] = useState<Detail | null>(null);
  const [error, setError] = useState('');
  const [form, setForm] = useState({ name: '', email: '', phone: '', notes: '' });
  const [note, setNote] = useState('');
  const load = async () => {
    try {
      const d = await api.get<Detail>(`/contacts/${id}`);
      setDetail(d);
      setForm({ name: d.contact.name ?? '', email: d.contact.email ?? '', phone: d.contact.phone ?? '', notes: d.contact.notes ?? '' });
    } catch (err) {
      setError(errorText(err));
    }
  };
  useEffect(() => void load(), [id]);
  // A ticket of this contact changed status elsewhere (live list): read the contact again.
  const statuses = detail?.tickets.map((tk) => s.tickets.get(tk.id)?.status ?? tk.status).join();
  useEffect(() => {
    if (detail && detail.tickets.some((tk) => s.tickets.get(tk.id) && s.tickets.get(tk.id)!.status !== tk.status)) void load();
  }, [statuses]);

  if (error) return <p class="form-error">{error}</p>;
  if (!detail) return <p class="muted">{t('loading')}</p>;
  const c = detail.contact;
  const save = async () => {
    setNote('');
    try {
      await api.patch(`/contacts/${id}`, form);
      await load();
      setNote(at('saved'));
    } catch (err) {
      setNote(errorText(err));
    }
  };
  const field = (k: keyof typeof form, label: string, type = 'text') => (
    <label class="field">
      <span class="field-label">{label}</span>
      <input name={k} type={type} value={form[k]} onInput={(e) => setForm({ ...form, [k]: e.currentTarget.value })} />
    </label>
  );

  return (
    <section class="settings-section" data-testid="contact-detail" data-contact-id={c.id}>
      <div class="settings-head">
        <a href="#/contacts" class="link back">
          ← {at('contacts')}
        </a>
      </div>
      <h1 data-testid="contact-name">{c.name ?? c.email ?? c.phone ?? c.identities[0]}</h1>
      {c.mergedInto ? (
        <p class="muted" data-testid="merged-into">
          <a href={`#/contacts/${c.mergedInto}`}>{at('merged', { target: '→' }).replace(/\.$/, '')}</a>
        </p>
      ) : null}
      <form
        class="inbox-form settings-card"
        data-testid="contact-form"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <div class="form-grid">
          {field('name', at('name'))}
          {field('email', at('email'), 'email')}
          {field('phone', at('phone'))}
        </div>
        {c.unverifiedEmail ? (
          <p class="muted" data-testid="unverified-email">
            ✉ {c.unverifiedEmail} ({at('unverified')})
          </p>
        ) : null}
        <label class="field">
          <span class="field-label">{at('notes')}</span>
          <textarea name="notes" rows={3} value={form.notes} onInput={(e) => setForm({ ...form, notes: e.currentTarget.value })} />
        </label>
        <div class="form-bar">
          <button class="btn primary" type="submit" data-testid="save-contact">
            {at('save')}
          </button>
          {note ? <span data-testid="contact-note">{note}</span> : null}
        </div>
      </form>
      <div class="settings-card">
        <h2>{at('identities')}</h2>
        <ul class="identity-list" data-testid="contact-identities">
          {c.identities.map((i) => (
            <li>
              <code>{i}</code>
            </li>
          ))}
        </ul>
      </div>
      <div class="settings-card">
        <h2>{at('tickets')}</h2>
        <table class="inbox-table" data-testid="contact-tickets">
          <tbody>
            {detail.tickets.map((tk) => {
              const status = s.tickets.get(tk.id)?.status ?? tk.status;
              return (
                <tr data-testid="contact-ticket" data-status={status}>
                  <td>
                    <a href={`#/t/${tk.id}`}>#{tk.number}</a>
                  </td>
                  <td>{tk.subject}</td>
                  <td>
                    <span class={`pill st-${status}`}>{t(`st_${status}` as Key)}</span>
                  </td>
                  <td class="muted">{relative(tk.lastMessageAt)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {s.me?.role !== 'agent' ? <MergePanel contact={c} merges={detail.merges} onChanged={load} /> : null}
    </section>
  );
}
