import { useRef, useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { at } from '../../admin-i18n.ts';
import { firstName, renderTemplate } from '../../../../../core/canned/render-template.ts';
import { store, useStore } from '../../store.ts';
import type { Canned } from '../../types.ts';
import { errorText } from '../../error-text.ts';

/** The variables the composer fills (see Composer.tsx), with the sample values of the preview. */
const VARIABLES = [
  { key: 'contact.name', help: 'var_contact_name', sample: 'María Pérez' },
  { key: 'contact.first_name', help: 'var_contact_firstName', sample: 'María' },
  { key: 'contact.email', help: 'var_contact_email', sample: 'maria@example.com' },
  { key: 'ticket.number', help: 'var_ticket_number', sample: '1042' },
  { key: 'ticket.subject', help: 'var_ticket_subject', sample: 'Order #5531' },
  { key: 'agent.name', help: 'var_agent_name', sample: '' },
  { key: 'agent.first_name', help: 'var_agent_firstName', sample: '' },
] as const;

/**
 * Canned responses: shared (everyone or one department; supervisors and admins) and personal (anyone,
 * for themselves). Variables are listed and a live preview renders the text as the customer would read it.
 */
export function CannedPage() {
  const s = useStore();
  const manager = s.me?.role !== 'agent';
  const [editing, setEditing] = useState<Canned | 'new' | null>(s.canned.length ? null : 'new');
  const [error, setError] = useState('');

  const remove = async (c: Canned) => {
    if (!confirm(at('deleteCannedConfirm', { shortcut: c.shortcut }))) return;
    try {
      await api.delete(`/canned-responses/${c.id}`);
      await store.loadReference();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const scope = (c: Canned) =>
    c.personal ? at('scope_personal') : c.departmentId ? at('scope_department', { name: s.departments.find((d) => d.id === c.departmentId)?.name ?? '?' }) : at('scope_shared');

  return (
    <section class="settings-section" data-testid="canned-page">
      <div class="settings-head">
        <h1>{at('canned')}</h1>
        <span class="spacer" />
        <button class="btn primary" data-testid="new-canned" onClick={() => setEditing('new')}>
          + {at('newCanned')}
        </button>
      </div>
      {s.canned.length === 0 ? <p class="muted">{at('noCanned')}</p> : null}
      {error ? <p class="form-error">{error}</p> : null}
      {editing ? <CannedForm canned={editing === 'new' ? undefined : editing} manager={manager} onDone={() => setEditing(null)} /> : null}
      <table class="inbox-table" data-testid="canned-table">
        <thead>
          <tr>
            <th>{at('shortcut')}</th>
            <th>{at('title')}</th>
            <th>{at('scope')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {s.canned.map((c) => (
            <tr key={c.id} data-testid="canned-row" data-shortcut={c.shortcut}>
              <td>
                <code>/{c.shortcut}</code>
              </td>
              <td>
                <strong>{c.title}</strong>
                <div class="muted canned-body">{c.body}</div>
              </td>
              <td>{scope(c)}</td>
              <td class="row-actions">
                {manager || c.personal ? (
                  <>
                    <button class="btn small" onClick={() => setEditing(c)}>
                      {at('edit')}
                    </button>
                    <button class="btn small danger-outline" onClick={() => void remove(c)}>
                      {at('delete')}
                    </button>
                  </>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function CannedForm({ canned, manager, onDone }: { canned?: Canned; manager: boolean; onDone: () => void }) {
  const s = useStore();
  const [shortcut, setShortcut] = useState(canned?.shortcut ?? '');
  const [title, setTitle] = useState(canned?.title ?? '');
  const [body, setBody] = useState(canned?.body ?? '');
  // '' = everyone, 'personal', or a department id.
  const [scope, setScope] = useState(canned ? (canned.personal ? 'personal' : (canned.departmentId ?? '')) : manager ? '' : 'personal');
  const [error, setError] = useState('');
  const area = useRef<HTMLTextAreaElement>(null);
  const vars: Record<string, string> = Object.fromEntries(VARIABLES.map((v) => [v.key, v.sample]));
  vars['agent.name'] = s.me?.name ?? '';
  vars['agent.first_name'] = firstName(s.me?.name);

  const insert = (key: string) => {
    const el = area.current;
    const at0 = el?.selectionStart ?? body.length;
    const next = `${body.slice(0, at0)}{{${key}}}${body.slice(el?.selectionEnd ?? at0)}`;
    setBody(next);
    requestAnimationFrame(() => el?.focus());
  };
  const save = async () => {
    setError('');
    const base = { shortcut, title, body };
    try {
      if (canned) await api.patch(`/canned-responses/${canned.id}`, canned.personal ? base : { ...base, departmentId: scope || null });
      else await api.post('/canned-responses', scope === 'personal' ? { ...base, personal: true } : { ...base, departmentId: scope || null });
      await store.loadReference();
      onDone();
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <form
      class="inbox-form settings-card canned-form"
      data-testid="canned-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <div class="form-grid">
        <label class="field">
          <span class="field-label">{at('shortcut')}</span>
          <input name="shortcut" value={shortcut} placeholder="greeting" onInput={(e) => setShortcut(e.currentTarget.value)} required />
        </label>
        <label class="field">
          <span class="field-label">{at('title')}</span>
          <input name="title" value={title} onInput={(e) => setTitle(e.currentTarget.value)} required />
        </label>
        <label class="field">
          <span class="field-label">{at('scope')}</span>
          <select name="scope" value={scope} disabled={Boolean(canned?.personal) || !manager} onChange={(e) => setScope(e.currentTarget.value)}>
            {manager ? <option value="">{at('scope_shared')}</option> : null}
            {manager ? s.departments.map((d) => <option value={d.id}>{at('scope_department', { name: d.name })}</option>) : null}
            {!canned || canned.personal ? <option value="personal">{at('scope_personal')}</option> : null}
          </select>
        </label>
      </div>
      <div class="canned-edit">
        <label class="field">
          <span class="field-label">{at('body')}</span>
          <textarea ref={area} name="body" rows={5} value={body} onInput={(e) => setBody(e.currentTarget.value)} required />
        </label>
        <div class="canned-vars">
          <span class="field-label">{at('variables')}</span>
          {VARIABLES.map((v) => (
            <button type="button" class="var-chip" data-testid={`var-${v.key}`} onClick={() => insert(v.key)}>
              <code>{`{{${v.key}}}`}</code> <span class="muted">{at(v.help)}</span>
            </button>
          ))}
        </div>
      </div>
      <div class="field">
        <span class="field-label">{at('preview')}</span>
        <div class="canned-preview" data-testid="canned-preview">
          {renderTemplate(body, vars)}
        </div>
      </div>
      {error ? (
        <p class="form-error" role="alert" data-testid="form-error">
          {error}
        </p>
      ) : null}
      <div class="form-bar">
        <button class="btn primary" type="submit" data-testid="save-canned">
          {canned ? at('save') : at('create')}
        </button>
        <button class="btn ghost" type="button" onClick={onDone}>
          {at('cancel')}
        </button>
      </div>
    </form>
  );
}
