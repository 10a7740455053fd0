import { useEffect, useState } from 'preact/hooks';
import { t, type Key } from '../../i18n.ts';
import { store, useStore } from '../../store.ts';
import { ChannelBadge } from '../bits.tsx';
import { InboxEditor } from './InboxEditor.tsx';
import { InboxTable } from './InboxTable.tsx';
import { RoutingRules } from './RoutingRules.tsx';
import { rot } from '../../routing-i18n.ts';
import { MacrosSettings } from './MacrosSettings.tsx';
import { at } from '../../automation-i18n.ts';
import { adminSection, AdminNav } from './AdminSections.tsx';
import { SlaSettings } from './SlaSettings.tsx';
import { st } from '../../sla-i18n.ts';

/** `#/settings/inboxes`, `#/settings/inboxes/new[/<kind>]`, `#/settings/inboxes/<id>`. */const inboxRoute = () => /^#\/settings\/inboxes\/(new(?:\/([a-z]+))?|[0-9a-f]{24})/.exec(location.hash);

/**
 * The settings area: admins change, supervisors look (the server enforces both); agents get no entry.
 * Only inboxes so far; users, departments and canned responses will sit in the same navigation.
 */
export function SettingsPage() {
  const s = useStore();
  const [, setHash] = useState(location.hash);
  const canEdit = s.me?.role === 'admin';

  useEffect(() => {
    const onHash = () => setHash(location.hash);
    window.addEventListener('hashchange', onHash);
    void store.loadInboxes().catch(() => undefined);
    void store.loadKinds().catch(() => undefined);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const m = inboxRoute();
  const missing = m && !m[1]!.startsWith('new') && !s.inboxes.some((i) => i.id === m[1]) ? m[1] : null;
  // A link to an inbox this console has not listed yet (created elsewhere meanwhile): read the list again.
  useEffect(() => {
    if (missing) void store.loadInboxes().catch(() => undefined);
  }, [missing]);
  let content;
  const section = sectionOf(location.hash);
  const admin = adminSection();
  if (admin) content = admin;
  else if (section === 'routing') content = <RoutingRules canEdit={canEdit} />;
  else if (section === 'macros') content = <MacrosSettings canEdit={canEdit} />;
  else if (section === 'sla') content = <SlaSettings canEdit={canEdit} />;
  else if (!m) content = <InboxTable canEdit={canEdit} />;
  else if (m[1]!.startsWith('new')) content = m[2] ? <InboxEditor key={`new-${m[2]}`} kind={m[2]} canEdit={canEdit} /> : <KindPicker />;
  else {
    const inbox = s.inboxes.find((i) => i.id === m[1]);
    content = inbox ? <InboxEditor key={inbox.id} inbox={inbox} kind={inbox.kind} canEdit={canEdit} /> : <p class="muted">{t('loading')}</p>;
  }

  return (
    <div class="settings" data-testid="settings">
      <nav class="sidebar settings-nav">
        <h2>{t('settings')}</h2>
        <ul class="views">
          <li>
            <a class={`view-btn${section === 'inboxes' && !admin ? ' active' : ''}`} href="#/settings/inboxes">
              {t('inboxes')}
            </a>
          </li>
          <li>
            <a class={`view-btn${section === 'routing' ? ' active' : ''}`} href="#/settings/routing" data-testid="settings-routing">
              {rot('routing')}
            </a>
          </li>
          <li>
            <a class={`view-btn${section === 'macros' ? ' active' : ''}`} href="#/settings/macros" data-testid="settings-macros">
              {at('macros')}
            </a>
          </li>
          <li>
            <a class={`view-btn${section === 'sla' ? ' active' : ''}`} href="#/settings/sla" data-testid="settings-sla">
              {st('sla')}
            </a>
          </li>
          <AdminNav />
        </ul>
      </nav>
      <main class="settings-main">{content}</main>
    </div>
  );
}

/** The settings page a `#/settings/<section>/…` hash shows; inboxes by default. */
function sectionOf(hash: string): 'inboxes' | 'routing' | 'macros' | 'sla' {
  const name = /^#\/settings\/([a-z]+)/.exec(hash)?.[1];
  return name === 'routing' || name === 'macros' || name === 'sla' ? name : 'inboxes';
}

/** Step one of a new inbox: the kinds this hub runs. */
function KindPicker() {
  const s = useStore();
  return (
    <section class="settings-section">
      <div class="settings-head">
        <a href="#/settings/inboxes" class="link back">
          ← {t('inboxes')}
        </a>
      </div>
      <h1>{t('newInbox')}</h1>
      <p class="muted">{t('chooseKind')}</p>
      <div class="kind-grid">
        {s.kinds.map((k) => (
          <a class="kind-card" href={`#/settings/inboxes/new/${k.kind}`} data-testid={`kind-${k.kind}`}>
            <ChannelBadge channel={k.kind} compact />
            <span>
              <strong>{t(`ch_${k.kind}` as Key)}</strong>
              <span class="muted">{k.label}</span>
            </span>
          </a>
        ))}
      </div>
    </section>
  );
}
