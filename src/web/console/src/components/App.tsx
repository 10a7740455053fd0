import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { getLang, setLang, t, type Lang } from '../i18n.ts';
import { connect, join } from '../socket.ts';
import { store, useStore } from '../store.ts';
import type { Viewer } from '../types.ts';
import { Avatar } from './bits.tsx';
import { Login } from './Login.tsx';
import { useReportsRoute } from './reports-route.ts';
import { LazyReports } from './LazyReports.tsx';
import { rt } from '../reports-i18n.ts';
import { SidePanel } from './SidePanel.tsx';
import { Sidebar } from './Sidebar.tsx';
import { TicketList } from './TicketList.tsx';
import { TicketView } from './TicketView.tsx';
import { AvailabilityToggle } from './routing/AvailabilityToggle.tsx';
import { ProfilePage } from './profile/ProfilePage.tsx';
import { LinkPage, linkToken } from './profile/LinkPage.tsx';
import { ContactsPage, isContactsRoute } from './contacts/ContactsPage.tsx';
import { at } from '../admin-i18n.ts';
import { clearDrafts } from '../drafts.ts';

/** The settings area (`#/settings/...`) is its own chunk: agents never load it, the others on first visit. */
const isSettingsRoute = () => location.hash.startsWith('#/settings');
let settingsPage: ComponentType | undefined;

function Settings() {
  const [, loaded] = useState(0);
  useEffect(() => {
    if (settingsPage) return;
    void import('./settings/SettingsPage.tsx').then((m) => {
      settingsPage = m.SettingsPage;
      loaded((n) => n + 1);
    });
  }, []);
  const Page = settingsPage;
  return Page ? <Page /> : <div class="boot">{t('loading')}</div>;
}

const routeTicket = () => /^#\/t\/([0-9a-f]{24})/.exec(location.hash)?.[1] ?? null;

function go(delta: number) {
  const i = store.selected ? store.order.indexOf(store.selected) : -1;
  const next = store.order[Math.max(0, Math.min(store.order.length - 1, i + delta))];
  if (next) location.hash = `#/t/${next}`;
}

/** The ticket list and the open ticket are on screen (not settings, contacts, reports or the profile). */
const isWorkspaceRoute = () => /^(#\/?)?$|^#\/t\//.test(location.hash);

/**
 * j/k move, r reply, n note, e solve — not while typing in a field, not behind a modal dialog (focus can rest on
 * the page under it after a click on the dialog's background), and only where the list and ticket are shown.
 */
function onShortcut(e: KeyboardEvent) {
  const el = e.target as HTMLElement;
  if (e.ctrlKey || e.metaKey || e.altKey || el.closest('input, textarea, select, [contenteditable]') || !isWorkspaceRoute()) return;
  if (document.querySelector('[aria-modal="true"]')) return;
  if (e.key === 'j') go(1);
  else if (e.key === 'k') go(-1);
  else if ((e.key === 'r' || e.key === 'n') && store.selected) {
    e.preventDefault();
    window.dispatchEvent(new CustomEvent('ponte:compose', { detail: e.key === 'r' ? 'reply' : 'note' }));
  } else if (e.key === 'e' && store.selected) {
    const id = store.selected;
    void api.patch(`/tickets/${id}`, { status: 'solved' }).then(
      () => {
        go(1);
        void store.loadDetail(id).catch(() => undefined);
      },
      // Refused (merged, closed, no longer visible): said, as the side panel's status field does.
      (err: Error) => store.flash(err.message),
    );
  }
}

export function App() {
  const s = useStore();
  const [booting, setBooting] = useState(true);
  const [, force] = useState(0);
  const reportsTab = useReportsRoute();

  const start = async (me: Viewer) => {
    store.me = me;
    if (me.locale) setLang(me.locale); // the account's language wins over the browser's
    store.view = me.role === 'agent' ? 'departments' : 'all';
    store.changed();
    await store.loadReference();
    await store.loadList();
    connect();
    const id = routeTicket();
    if (id) void store.openTicket(id).then(() => join(id));
  };

  useEffect(() => {
    api
      .get<Viewer>('/auth/me')
      .then(start)
      .catch(() => undefined)
      .finally(() => setBooting(false));
    const onHash = () => {
      force((n) => n + 1); // the settings area and the inbox share the hash
      const id = routeTicket();
      if (id === store.selected) return;
      void join(id);
      void store.openTicket(id).catch(() => {
        if (id) store.revoked.add(id);
        store.changed();
      });
    };
    window.addEventListener('hashchange', onHash);
    window.addEventListener('keydown', onShortcut);
    const tick = setInterval(() => store.changed(), 30_000);
    return () => {
      window.removeEventListener('hashchange', onHash);
      window.removeEventListener('keydown', onShortcut);
      clearInterval(tick);
    };
  }, []);

  if (booting) return <div class="boot">{t('loading')}</div>;
  const link = linkToken();
  if (!s.me && link) return <LinkPage token={link} onLogin={(v) => void start(v)} />;
  if (!s.me) return <Login onLogin={(v) => void start(v)} />;

  // Agents have no settings entry; the server would refuse their changes anyway.
  const settings = isSettingsRoute() && s.me.role !== 'agent';
  const others = s.users.filter((u) => u.id !== s.me!.id && s.presence.get(u.id) && s.presence.get(u.id) !== 'offline');
  const toggleNotify = async () => {
    if (!s.settings.notify && 'Notification' in window && Notification.permission !== 'granted') await Notification.requestPermission();
    s.settings.notify = !s.settings.notify;
    localStorage.setItem('ponte.notify', s.settings.notify ? '1' : '0');
    store.changed();
  };

  return (
    <div class="app">
      <header class="topbar">
        <div class="brand">
          <span class="logo">P</span> Ponte
        </div>
        <span class={`conn ${s.connection}`} data-testid="connection" data-state={s.connection}>
          {s.connection === 'online' ? t('online') : t('reconnecting')}
        </span>
        <span class="spacer" />
        {s.me.role === 'agent' ? null : settings ? (
          <a class="btn ghost small" href="#/" data-testid="close-settings">
            {t('backToConversations')}
          </a>
        ) : (
          <a class="btn ghost small" href="#/settings/inboxes" data-testid="open-settings">
            ⚙ {t('settings')}
          </a>
        )}
        <div class="team" title="Team">
          {others.slice(0, 8).map((u) => (
            <Avatar name={u.name} presence={s.presence.get(u.id)} size={26} />
          ))}
        </div>
        <a class="btn ghost small" href="#/reports" data-testid="reports-link">{rt('reports')}</a>
        <a class="btn ghost small" href="#/contacts" data-testid="contacts-link">{at('contacts')}</a>
        <label class="toggle" title={t('notifications')}>
          <input type="checkbox" checked={s.settings.notify} onChange={() => void toggleNotify()} /> 🔔
        </label>
        <label class="toggle" title={t('sound')}>
          <input
            type="checkbox"
            checked={s.settings.sound}
            onChange={() => {
              s.settings.sound = !s.settings.sound;
              localStorage.setItem('ponte.sound', s.settings.sound ? '1' : '0');
              store.changed();
            }}
          />{' '}
          🔊
        </label>
        <select
          class="lang-select"
          aria-label={t('language')}
          data-testid="language"
          value={getLang()}
          onChange={(e) => {
            setLang(e.currentTarget.value as Lang);
            // Remembered on the account, so the next sign-in (any browser) opens in it.
            void api.patch('/auth/me', { locale: e.currentTarget.value }).catch(() => undefined);
            if (s.me) s.me.locale = e.currentTarget.value as Lang;
            force((n) => n + 1);
            store.changed();
          }}
        >
          <option value="en">EN</option>
          <option value="pt">PT</option>
          <option value="es">ES</option>
        </select>
        <AvailabilityToggle />
        <a class="me" href="#/profile" data-testid="open-profile">
          <Avatar name={s.me.name} presence="online" size={28} />
          <span>{s.me.name}</span>
        </a>
        <button
          class="btn ghost small"
          onClick={() =>
            void api.post('/auth/logout').finally(() => {
              clearDrafts(s.me!.id);
              location.hash = '';
              location.reload();
            })
          }
        >
          {t('signOut')}
        </button>
      </header>
      {settings ? (
        <Settings />
      ) : location.hash.startsWith('#/profile') ? (
        <ProfilePage />
      ) : isContactsRoute() ? (
        <ContactsPage />
      ) : reportsTab ? (
        <LazyReports tab={reportsTab} />
      ) : (
        <div class="workspace">
          <Sidebar />
          <TicketList />
          <TicketView />
          <SidePanel />
        </div>
      )}
      <footer class="statusbar">{t('shortcuts')}</footer>
      {s.toast ? (
        <div class="toast" role="status">
          {s.toast}
        </div>
      ) : null}
    </div>
  );
}
