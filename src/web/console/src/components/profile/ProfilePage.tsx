import { useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { at } from '../../admin-i18n.ts';
import { setLang, type Lang } from '../../i18n.ts';
import { store, useStore } from '../../store.ts';
import type { Viewer } from '../../types.ts';
import { errorText } from '../../error-text.ts';
import { CannedPage } from '../settings/CannedPage.tsx';

/** `#/profile`: every user's own name, language and password, and their personal canned responses. */
export function ProfilePage() {
  const s = useStore();
  const me = s.me!;
  const [name, setName] = useState(me.name);
  const [locale, setLocale] = useState<Lang>(me.locale ?? 'en');
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);

  const run = async (fn: () => Promise<string>) => {
    setNote(null);
    try {
      setNote({ ok: true, text: await fn() });
    } catch (err) {
      setNote({ ok: false, text: errorText(err) });
    }
  };
  const saveProfile = () =>
    run(async () => {
      const updated = await api.patch<Viewer>('/auth/me', { name, locale });
      store.me = { ...me, ...updated };
      setLang(locale);
      await store.loadReference();
      return at('saved');
    });
  const changePassword = () =>
    run(async () => {
      await api.post('/auth/password', { currentPassword: current, newPassword: next });
      setCurrent('');
      setNext('');
      return at('passwordChanged');
    });

  return (
    <div class="settings profile-page" data-testid="profile">
      <main class="settings-main">
        <section class="settings-section">
          <div class="settings-head">
            <a href="#/" class="link back">
              ← {at('back')}
            </a>
          </div>
          <h1>{at('profile')}</h1>
          {note ? (
            <p class={note.ok ? 'form-ok' : 'form-error'} role="status" data-testid="profile-note">
              {note.text}
            </p>
          ) : null}
          <form
            class="inbox-form settings-card"
            onSubmit={(e) => {
              e.preventDefault();
              void saveProfile();
            }}
          >
            <div class="form-grid">
              <label class="field">
                <span class="field-label">{at('name')}</span>
                <input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
              </label>
              <label class="field">
                <span class="field-label">{at('language')}</span>
                <select name="locale" data-testid="profile-locale" value={locale} onChange={(e) => setLocale(e.currentTarget.value as Lang)}>
                  <option value="pt">Português</option>
                  <option value="es">Español</option>
                  <option value="en">English</option>
                </select>
              </label>
            </div>
            <div class="form-bar">
              <button class="btn primary" type="submit" data-testid="save-profile">
                {at('save')}
              </button>
            </div>
          </form>
          <form
            class="inbox-form settings-card"
            onSubmit={(e) => {
              e.preventDefault();
              void changePassword();
            }}
          >
            <h2>{at('changePassword')}</h2>
            <div class="form-grid">
              <label class="field">
                <span class="field-label">{at('currentPassword')}</span>
                <input name="currentPassword" type="password" autocomplete="current-password" value={current} onInput={(e) => setCurrent(e.currentTarget.value)} required />
              </label>
              <label class="field">
                <span class="field-label">{at('newPassword')}</span>
                <input name="newPassword" type="password" autocomplete="new-password" value={next} onInput={(e) => setNext(e.currentTarget.value)} required />
                <span class="field-help">{at('passwordHelp')}</span>
              </label>
            </div>
            <div class="form-bar">
              <button class="btn" type="submit" data-testid="change-password">
                {at('changePassword')}
              </button>
            </div>
          </form>
        </section>
        <CannedPage />
      </main>
    </div>
  );
}
