import { useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { at, type AdminKey } from '../../admin-i18n.ts';
import { relative } from '../../i18n.ts';
import { store, useStore } from '../../store.ts';
import type { User } from '../../types.ts';
import { errorText, OneTimeLink } from './admin-bits.tsx';

type Link = { path: string; expiresAt: string };
const roles = ['agent', 'supervisor', 'admin'] as const;
const locales = ['pt', 'es', 'en'] as const;

/**
 * Users: admins create (initial password or one-time invite link), change role, departments, language,
 * deactivate and hand out reset links; supervisors see the users of their departments, read-only.
 */
export function UsersPage() {
  const s = useStore();
  const me = s.me!;
  const canEdit = me.role === 'admin';
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const [link, setLink] = useState<{ link: Link; name: string } | null>(null);
  const users = canEdit ? s.users : s.users.filter((u) => u.id === me.id || u.departmentIds.some((d) => me.departmentIds.includes(d)));
  const depName = (id: string) => s.departments.find((d) => d.id === id)?.name ?? '?';

  return (
    <section class="settings-section" data-testid="users-page">
      <div class="settings-head">
        <h1>{at('users')}</h1>
        <span class="spacer" />
        {canEdit ? (
          <button class="btn primary" data-testid="new-user" onClick={() => setCreating(true)}>
            + {at('newUser')}
          </button>
        ) : null}
      </div>
      {canEdit ? null : <p class="muted">{at('readOnlyUsers')}</p>}
      {link ? <OneTimeLink link={link.link} name={link.name} /> : null}
      {creating ? (
        <UserForm
          onDone={(created) => {
            setCreating(false);
            if (created?.invite) setLink({ link: created.invite, name: created.name });
          }}
        />
      ) : null}
      <table class="inbox-table" data-testid="user-table">
        <thead>
          <tr>
            <th>{at('name')}</th>
            <th>{at('role')}</th>
            <th>{at('departments')}</th>
            <th>{at('language')}</th>
            <th>{at('lastLogin')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {users.map((u) => [
            <tr key={u.id} data-testid="user-row" data-email={u.email} class={u.active ? '' : 'off'}>
              <td>
                <strong>{u.name}</strong>
                <div class="muted">{u.email}</div>
              </td>
              <td>{at(`role_${u.role}` as AdminKey)}</td>
              <td>{u.departmentIds.map(depName).join(', ') || '—'}</td>
              <td>{u.locale ? u.locale.toUpperCase() : '—'}</td>
              <td>
                {u.lastLoginAt ? relative(u.lastLoginAt) : at('never')}
                {u.active ? null : <span class="pill st-closed">{at('inactive')}</span>}
              </td>
              <td>
                {canEdit ? (
                  <button class="btn small" data-testid="edit-user" onClick={() => setEditing(editing === u.id ? null : u.id)}>
                    {at('edit')}
                  </button>
                ) : null}
              </td>
            </tr>,
            editing === u.id ? (
              <tr key={`${u.id}-edit`}>
                <td colSpan={6}>
                  <UserForm user={u} onDone={() => setEditing(null)} onLink={(l) => setLink({ link: l, name: u.name })} />
                </td>
              </tr>
            ) : null,
          ])}
        </tbody>
      </table>
    </section>
  );
}

/** Create (no `user`) or edit one user. */
function UserForm({ user, onDone, onLink }: { user?: User; onDone: (created?: User & { invite?: Link }) => void; onLink?: (l: Link) => void }) {
  const s = useStore();
  const [name, setName] = useState(user?.name ?? '');
  const [email, setEmail] = useState(user?.email ?? '');
  const [role, setRole] = useState<User['role']>(user?.role ?? 'agent');
  // '' = no choice: the console follows each browser's language.
  const [locale, setLocale] = useState<NonNullable<User['locale']> | ''>(user?.locale ?? '');
  const [deps, setDeps] = useState<string[]>(user?.departmentIds ?? []);
  const [mode, setMode] = useState<'invite' | 'password'>('invite');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError('');
    try {
      await fn();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const save = () =>
    run(async () => {
      if (user) {
        await api.patch(`/users/${user.id}`, { name, email, role, ...(locale ? { locale } : {}), departmentIds: deps, ...(password ? { password } : {}) });
        await store.loadReference();
        onDone();
      } else {
        const created = await api.post<User & { invite?: Link }>('/users', { name, email, role, ...(locale ? { locale } : {}), departmentIds: deps, ...(mode === 'password' ? { password } : {}) });
        await store.loadReference();
        onDone(created);
      }
    });
  const setActive = (active: boolean) =>
    run(async () => {
      if (!active && !confirm(at('deactivateConfirm', { name: user!.name }))) return;
      await api.patch(`/users/${user!.id}`, { active });
      await store.loadReference();
      onDone();
    });
  const resetLink = () => run(async () => onLink?.(await api.post<Link>(`/users/${user!.id}/reset-link`)));

  return (
    <form
      class="inbox-form user-form settings-card"
      data-testid="user-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <div class="form-grid">
        <label class="field">
          <span class="field-label">{at('name')}</span>
          <input name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        </label>
        <label class="field">
          <span class="field-label">{at('email')}</span>
          <input name="email" type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} required />
        </label>
        <label class="field">
          <span class="field-label">{at('role')}</span>
          <select name="role" value={role} onChange={(e) => setRole(e.currentTarget.value as User['role'])}>
            {roles.map((r) => (
              <option value={r}>{at(`role_${r}`)}</option>
            ))}
          </select>
        </label>
        <label class="field">
          <span class="field-label">{at('language')}</span>
          <select name="locale" value={locale} onChange={(e) => setLocale(e.currentTarget.value as NonNullable<User['locale']> | '')}>
            <option value="">{at('browserLanguage')}</option>
            {locales.map((l) => (
              <option value={l}>{l.toUpperCase()}</option>
            ))}
          </select>
        </label>
      </div>
      <fieldset class="checks">
        <legend>{at('departments')}</legend>
        {s.departments.map((d) => (
          <label class="field check">
            <input
              type="checkbox"
              name={`dep-${d.name}`}
              checked={deps.includes(d.id)}
              onChange={(e) => setDeps(e.currentTarget.checked ? [...deps, d.id] : deps.filter((x) => x !== d.id))}
            />{' '}
            {d.name}
          </label>
        ))}
        {s.departments.length ? null : <span class="muted">{at('noDepartments')}</span>}
      </fieldset>
      {user ? null : (
        <fieldset class="checks">
          <legend>{at('howToStart')}</legend>
          <label class="field check">
            <input type="radio" name="start" checked={mode === 'invite'} onChange={() => setMode('invite')} /> {at('inviteLink')}
          </label>
          <label class="field check">
            <input type="radio" name="start" data-testid="mode-password" checked={mode === 'password'} onChange={() => setMode('password')} /> {at('setPassword')}
          </label>
        </fieldset>
      )}
      {user || mode === 'password' ? (
        <label class="field">
          <span class="field-label">{at('password')}</span>
          <input name="password" type="password" autocomplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required={!user} />
          <span class="field-help">{at('passwordHelp')}</span>
        </label>
      ) : null}
      {error ? (
        <p class="form-error" role="alert" data-testid="form-error">
          {error}
        </p>
      ) : null}
      <div class="form-bar">
        <button class="btn primary" type="submit" disabled={busy} data-testid="save-user">
          {user ? at('save') : at('create')}
        </button>
        <button class="btn ghost" type="button" onClick={() => onDone()}>
          {at('cancel')}
        </button>
        <span class="spacer" />
        {user ? (
          <>
            <button class="btn" type="button" data-testid="reset-link" onClick={() => void resetLink()}>
              {at('resetLink')}
            </button>
            {user.active ? (
              <button class="btn danger-outline" type="button" data-testid="deactivate" onClick={() => void setActive(false)}>
                {at('deactivate')}
              </button>
            ) : (
              <button class="btn" type="button" data-testid="reactivate" onClick={() => void setActive(true)}>
                {at('reactivate')}
              </button>
            )}
          </>
        ) : null}
      </div>
    </form>
  );
}
