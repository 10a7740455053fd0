import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { at } from '../../admin-i18n.ts';
import type { Viewer } from '../../types.ts';
import { setLang, type Lang } from '../../i18n.ts';
import { errorText } from '../../error-text.ts';

export const linkToken = () => /^#\/link\/([\w-]{10,200})$/.exec(location.hash)?.[1] ?? null;

/** `#/link/<token>`: an invite or reset link; the person sets a password and is signed in. */
export function LinkPage({ token, onLogin }: { token: string; onLogin: (v: Viewer) => void }) {
  const [info, setInfo] = useState<{ purpose: 'invite' | 'reset'; name: string; email: string } | 'invalid' | null>(null);
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');

  useEffect(() => {
    api
      .get<{ purpose: 'invite' | 'reset'; name: string; email: string; locale: Lang }>(`/auth/links/${token}`)
      .then((i) => {
        setLang(i.locale); // the page speaks the account's language from the first word
        setInfo(i);
      })
      .catch(() => setInfo('invalid'));
  }, [token]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError('');
    try {
      const me = await api.post<Viewer>('/auth/links', { token, password });
      location.hash = '#/';
      onLogin(me);
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <div class="login-page">
      <form class="login-card" data-testid="link-page" onSubmit={(e) => void submit(e)}>
        <div class="brand-lg">
          <span class="logo">P</span> Ponte
        </div>
        {info === null ? null : info === 'invalid' ? (
          <p class="error" role="alert">
            {at('linkInvalid')}
          </p>
        ) : (
          <>
            <h1>{at(info.purpose === 'invite' ? 'linkTitleInvite' : 'linkTitleReset', { name: info.name })}</h1>
            <p class="muted">{at('linkHelp', { email: info.email })}</p>
            <label>
              {at('newPassword')}
              <input name="password" type="password" autocomplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required autofocus />
            </label>
            <span class="muted small">{at('passwordHelp')}</span>
            {error ? (
              <p class="error" role="alert">
                {error}
              </p>
            ) : null}
            <button class="btn primary" type="submit" data-testid="set-password">
              {at('setAndSignIn')}
            </button>
          </>
        )}
      </form>
    </div>
  );
}
