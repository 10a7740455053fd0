import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.ts';
import { getLang, setLang, t, type Lang } from '../i18n.ts';
import type { Viewer } from '../types.ts';
import { takeSessionEndedNotice } from '../session-end.ts';

export function Login({ onLogin }: { onLogin: (v: Viewer) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [, force] = useState(0);
  const [ended] = useState(takeSessionEndedNotice);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      onLogin(await api.post<Viewer>('/auth/login', { email, password }));
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? t('wrongCredentials') : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="login-page">
      <form class="login-card" onSubmit={submit}>
        <div class="brand-lg">
          <span class="logo">P</span> Ponte
        </div>
        <h1>{t('signInTitle')}</h1>
        {ended && !error ? (
          <p class="notice" role="status" data-testid="session-ended">
            {t('sessionEnded')}
          </p>
        ) : null}
        <label>
          {t('email')}
          <input name="email" type="email" autocomplete="username" value={email} onInput={(e) => setEmail(e.currentTarget.value)} required autofocus />
        </label>
        <label>
          {t('password')}
          <input name="password" type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required />
        </label>
        {error ? <p class="error" role="alert">{error}</p> : null}
        <button class="btn primary" type="submit" disabled={busy}>
          {t('signIn')}
        </button>
        <select
          class="lang-select"
          aria-label={t('language')}
          value={getLang()}
          onChange={(e) => {
            setLang(e.currentTarget.value as Lang);
            force((n) => n + 1);
          }}
        >
          <option value="en">English</option>
          <option value="pt">Português</option>
          <option value="es">Español</option>
        </select>
      </form>
    </div>
  );
}
