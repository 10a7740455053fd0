import { useState } from 'preact/hooks';
import { api, ApiError } from '../../api.ts';
import { at, type AdminKey } from '../../admin-i18n.ts';
import { rot } from '../../routing-i18n.ts';
import { relative } from '../../i18n.ts';
import { store, useStore } from '../../store.ts';
import type { User } from '../../types.ts';
import { errorText } from '../../error-text.ts';
import { OneTimeLink } from './admin-bits.tsx';

type Link = { path: string; expiresAt: string };
const roles = ['agent', 'supervisor', 'admin'] as const;
const locales = ['pt', 'es', 'en'] as const;
/** The routing profile's fields, as the API names them in a 400. */
const profileFields = ['skills', 'capacity.chat', 'capacity.email'];

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
            <th>{rot('rpColumn')}</th>
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
              <td class="skills-cell" data-testid="user-routing" title={rot('rpLimitHelp')}>
                {u.skills.map((k) => (
                  <span class="tag">{k}</span>
                ))}
                {u.capacity.chat !== null || u.capacity.email !== null ? (
                  <div class="muted">
                    {[u.capacity.chat !== null ? `${rot('rpChatShort')} ≤ ${u.capacity.chat}` : '', u.capacity.email !== null ? `${rot('rpEmailShort')} ≤ ${u.capacity.email}` : '']
                      .filter(Boolean)
                      .join(' · ')}
                  </div>
                ) : null}
                {!u.skills.length && u.capacity.chat === null && u.capacity.email === null ? <span class="muted">—</span> : null}
              </td>
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
                <td colSpan={7}>
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
  const [skills, setSkills] = useState<string[]>(user?.skills ?? []);
  const [chatLimit, setChatLimit] = useState(user?.capacity.chat == null ? '' : String(user.capacity.chat));
  const [emailLimit, setEmailLimit] = useState(user?.capacity.email == null ? '' : String(user.capacity.email));
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError('');
    try {
      await fn();
    } catch (err) {
      // The routing profile's 400 names the field (`capacity.chat`, `skills.0`): show it there.
      const atFields = err instanceof ApiError && err.issues.length ? err.issues.map((i) => [i.path.replace(/^skills\.\d+$/, 'skills'), i.message] as const) : [];
      if (atFields.length && atFields.every(([path]) => profileFields.includes(path))) {
        setProblems(Object.fromEntries(atFields));
        setError(rot('rpCheckFields'));
      } else setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  /** The own limits as the API takes them (empty = null, the department's); null when one is not a number. */
  const profile = () => {
    const found: Record<string, string> = {};
    const limit = (key: string, v: string) => {
      if (v.trim() === '') return null;
      if (!/^\d+$/.test(v.trim())) found[key] = rot('rpNotANumber');
      return Number(v.trim());
    };
    const capacity = { chat: limit('capacity.chat', chatLimit), email: limit('capacity.email', emailLimit) };
    setProblems(found);
    return Object.keys(found).length ? null : { skills, capacity };
  };
  const profileChanged = (p: { skills: string[]; capacity: { chat: number | null; email: number | null } }) =>
    !user || p.skills.join('\n') !== user.skills.join('\n') || p.capacity.chat !== user.capacity.chat || p.capacity.email !== user.capacity.email;
  const save = () =>
    run(async () => {
      const p = profile();
      if (!p) return;
      if (user) {
        // The profile first: a refused limit leaves the user untouched and the form open.
        if (profileChanged(p)) await api.put(`/users/${user.id}/routing-profile`, p);
        await api.patch(`/users/${user.id}`, { name, email, role, ...(locale ? { locale } : {}), departmentIds: deps, ...(password ? { password } : {}) });
        await store.loadReference();
        onDone();
      } else {
        const created = await api.post<User & { invite?: Link }>('/users', { name, email, role, ...(locale ? { locale } : {}), departmentIds: deps, ...(mode === 'password' ? { password } : {}) });
        if (p.skills.length || p.capacity.chat !== null || p.capacity.email !== null) await api.put(`/users/${created.id}/routing-profile`, p);
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
      <fieldset class="routing-profile" data-testid="routing-profile">
        <legend>{rot('rpTitle')}</legend>
        <p class="field-help">{rot('rpHelp')}</p>
        <div class="form-grid">
          <label class="field" data-testid="field-skills">
            <span class="field-label">{rot('rpSkills')}</span>
            <SkillsInput
              value={skills}
              onChange={(v) => {
                setSkills(v);
                setProblems(({ skills: _gone, ...rest }) => rest);
              }}
            />
            <span class="field-help">{rot('rpSkillsHelp')}</span>
            {problems.skills ? <span class="field-problem">{problems.skills}</span> : null}
          </label>
          <label class="field" data-testid="field-chat-limit">
            <span class="field-label">{rot('rpChat')}</span>
            <input
              name="chatLimit"
              inputMode="numeric"
              value={chatLimit}
              placeholder={rot('rpDefault')}
              onInput={(e) => {
                setChatLimit(e.currentTarget.value);
                setProblems(({ 'capacity.chat': _gone, ...rest }) => rest);
              }}
            />
            <span class="field-help">{rot('rpLimitHelp')}</span>
            {problems['capacity.chat'] ? <span class="field-problem">{problems['capacity.chat']}</span> : null}
          </label>
          <label class="field" data-testid="field-email-limit">
            <span class="field-label">{rot('rpEmail')}</span>
            <input
              name="emailLimit"
              inputMode="numeric"
              value={emailLimit}
              placeholder={rot('rpDefault')}
              onInput={(e) => {
                setEmailLimit(e.currentTarget.value);
                setProblems(({ 'capacity.email': _gone, ...rest }) => rest);
              }}
            />
            <span class="field-help">{rot('rpLimitHelp')}</span>
            {problems['capacity.email'] ? <span class="field-problem">{problems['capacity.email']}</span> : null}
          </label>
        </div>
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

/** Skills as tags: Enter or comma adds (lower case, as the API stores them), × or Backspace on empty removes. */
function SkillsInput({ value, onChange }: { value: string[]; onChange: (v: string[]) => void }) {
  const [draft, setDraft] = useState('');
  const add = (text: string) => {
    const fresh = text
      .split(',')
      .map((x) => x.trim().toLowerCase())
      .filter((x) => x && !value.includes(x));
    if (fresh.length) onChange([...value, ...new Set(fresh)]);
    setDraft('');
  };
  return (
    <span class="skills-input">
      {value.map((k) => (
        <span class="tag" data-testid="skill">
          {k}
          <button type="button" class="link" aria-label={`× ${k}`} onClick={() => onChange(value.filter((x) => x !== k))}>
            ×
          </button>
        </span>
      ))}
      <input
        class="tag-input"
        name="skill"
        value={draft}
        placeholder={rot('rpAddSkill')}
        onInput={(e) => {
          const v = e.currentTarget.value;
          if (v.includes(',')) add(v);
          else setDraft(v);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            add(draft);
          } else if (e.key === 'Backspace' && !draft && value.length) onChange(value.slice(0, -1));
        }}
        onBlur={() => add(draft)}
      />
    </span>
  );
}
