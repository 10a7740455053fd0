import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../../api.ts';
import { rot } from '../../routing-i18n.ts';
import { useStore } from '../../store.ts';
import { routingApi, type RuleView } from '../routing/routing-api.ts';

const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
const priorities = ['low', 'normal', 'high', 'urgent'];
const routingCss = `.routing-form label{display:flex;flex-direction:column;gap:4px;font-size:13px}
.routing-form label.check{flex-direction:row;align-items:center}
.routing-form input,.routing-form select{padding:6px 8px;border:1px solid #d1d5db;border-radius:6px;font:inherit}
.routing-form .form-actions{display:flex;gap:8px;align-items:center}
[data-testid=rules-table] td{padding:8px 6px;vertical-align:middle}
[data-testid=rules-table] .btn{width:auto;display:inline-block}`;
/** One field per line, labels above their inputs (the shared settings styles are the inbox editor's). */
const formStyle = { display: 'grid', gap: '10px', maxWidth: '560px', margin: '16px 0 24px' };

/** `#/settings/routing`: the ordered routing rules (admins edit) and each department's assignment mode. */
export function RoutingRules({ canEdit }: { canEdit: boolean }) {
  const [rules, setRules] = useState<RuleView[]>([]);
  const [editing, setEditing] = useState<RuleView | 'new' | null>(null);
  const [error, setError] = useState('');
  const s = useStore();
  const depName = (id?: string) => s.departments.find((d) => d.id === id)?.name ?? id ?? '';
  const load = () => routingApi.rules().then((r) => setRules(r.items), (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  useEffect(() => {
    void load();
  }, []);

  const move = async (i: number, by: number) => {
    const ids = rules.map((r) => r.id);
    const [id] = ids.splice(i, 1);
    ids.splice(i + by, 0, id!);
    setRules((await routingApi.reorder(ids)).items);
  };

  return (
    <section class="settings-section" data-testid="routing-settings">
      <style>{routingCss}</style>
      <div class="settings-head">
        <h1>{rot('rules')}</h1>
        {canEdit && !editing && (
          <button class="btn primary" data-testid="new-rule" onClick={() => setEditing('new')}>
            {rot('newRule')}
          </button>
        )}
      </div>
      <p class="muted">{rot('rulesHelp')}</p>
      {error && <p class="error">{error}</p>}
      {editing && (
        <RuleForm
          rule={editing === 'new' ? undefined : editing}
          onDone={() => {
            setEditing(null);
            void load();
          }}
        />
      )}
      {rules.length === 0 ? (
        <p class="muted">{rot('noRules')}</p>
      ) : (
        <table class="table" data-testid="rules-table" style={{ width: '100%', borderCollapse: 'collapse' }}>
          <tbody>
            {rules.map((r, i) => (
              <tr data-testid="rule-row" class={r.enabled ? '' : 'muted'} style={{ borderBottom: '1px solid #e5e7eb' }}>
                <td>{i + 1}</td>
                <td>
                  <strong>{r.name}</strong>
                </td>
                <td>
                  {rot('when')}: {[...r.conditions.channels, ...r.conditions.keywords.map((k) => `“${k}”`), ...r.conditions.contactTags.map((x) => `#${x}`)].join(', ') || rot('any')}
                </td>
                <td>
                  {rot('then')}: {[r.actions.departmentId && `→ ${depName(r.actions.departmentId)}`, r.actions.priority, r.actions.type, ...r.actions.tags.map((x) => `#${x}`), ...r.actions.requiredSkills.map((x) => `★${x}`)].filter(Boolean).join(', ')}
                </td>
                {canEdit && (
                  <td class="actions">
                    <div style={{ display: 'flex', gap: '4px', justifyContent: 'flex-end', alignItems: 'center' }}>
                    <button class="btn ghost small" title={rot('up')} disabled={i === 0} onClick={() => void move(i, -1)}>
                      ↑
                    </button>
                    <button class="btn ghost small" title={rot('down')} disabled={i === rules.length - 1} onClick={() => void move(i, 1)}>
                      ↓
                    </button>
                    <button class="btn ghost small" onClick={() => setEditing(r)}>
                      {rot('editRule')}
                    </button>
                    <button class="btn ghost small danger" onClick={() => void routingApi.remove(r.id).then(load)}>
                      {rot('delete')}
                    </button>
                    </div>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <DepartmentAssignment canEdit={canEdit} />
    </section>
  );
}

function RuleForm({ rule, onDone }: { rule?: RuleView | undefined; onDone: () => void }) {
  const s = useStore();
  const [f, setF] = useState({
    name: rule?.name ?? '',
    enabled: rule?.enabled ?? true,
    channels: rule?.conditions.channels.join(', ') ?? '',
    keywords: rule?.conditions.keywords.join(', ') ?? '',
    contactTags: rule?.conditions.contactTags.join(', ') ?? '',
    departmentId: rule?.actions.departmentId ?? '',
    priority: rule?.actions.priority ?? '',
    type: rule?.actions.type ?? '',
    tags: rule?.actions.tags.join(', ') ?? '',
    skills: rule?.actions.requiredSkills.join(', ') ?? '',
  });
  const [error, setError] = useState('');
  const set = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).type === 'checkbox' ? (e.currentTarget as HTMLInputElement).checked : (e.currentTarget as HTMLInputElement).value });
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = {
      name: f.name,
      enabled: f.enabled,
      conditions: { channels: list(f.channels), keywords: list(f.keywords), contactTags: list(f.contactTags), inboxIds: rule?.conditions.inboxIds ?? [] },
      actions: {
        ...(f.departmentId ? { departmentId: f.departmentId } : {}),
        ...(f.priority ? { priority: f.priority } : {}),
        ...(f.type.trim() ? { type: f.type.trim() } : {}),
        tags: list(f.tags),
        requiredSkills: list(f.skills),
        ...(rule?.actions.cannedResponseId ? { cannedResponseId: rule.actions.cannedResponseId } : {}),
      },
    };
    try {
      if (rule) await routingApi.update(rule.id, body);
      else await routingApi.create(body);
      onDone();
    } catch (err) {
      setError(err instanceof ApiError && err.issues.length ? err.issues.map((i) => `${i.path}: ${i.message}`).join('; ') : err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <form class="settings-form rule-form routing-form" data-testid="rule-form" style={formStyle} onSubmit={(e) => void submit(e)}>
      <h2>{rule ? rot('editRule') : rot('newRule')}</h2>
      <label>
        {rot('name')}
        <input name="name" value={f.name} onInput={set('name')} required maxLength={120} />
      </label>
      <label class="check">
        <input type="checkbox" checked={f.enabled} onChange={set('enabled')} /> {rot('enabled')}
      </label>
      <label>
        {rot('channels')}
        <input name="channels" value={f.channels} onInput={set('channels')} placeholder="webchat, whatsapp, email" />
      </label>
      <label>
        {rot('keywords')}
        <input name="keywords" value={f.keywords} onInput={set('keywords')} placeholder="reembolso, refund, devolução" />
      </label>
      <label>
        {rot('contactTags')}
        <input name="contactTags" value={f.contactTags} onInput={set('contactTags')} />
      </label>
      <label>
        {rot('department')}
        <select name="departmentId" value={f.departmentId} onChange={set('departmentId')}>
          <option value="">{rot('none')}</option>
          {s.departments.map((d) => (
            <option value={d.id}>{d.name}</option>
          ))}
        </select>
      </label>
      <label>
        {rot('priority')}
        <select name="priority" value={f.priority} onChange={set('priority')}>
          <option value="">{rot('none')}</option>
          {priorities.map((p) => (
            <option value={p}>{p}</option>
          ))}
        </select>
      </label>
      <label>
        {rot('type')}
        <input name="type" value={f.type} onInput={set('type')} />
      </label>
      <label>
        {rot('tags')}
        <input name="tags" value={f.tags} onInput={set('tags')} />
      </label>
      <label>
        {rot('skills')}
        <input name="skills" value={f.skills} onInput={set('skills')} />
      </label>
      {error && <p class="error" data-testid="rule-error">{error}</p>}
      <div class="form-actions">
        <button class="btn primary" type="submit" data-testid="save-rule">
          {rot('save')}
        </button>
        <button class="btn ghost" type="button" onClick={onDone}>
          {rot('cancel')}
        </button>
      </div>
    </form>
  );
}

/** A department's assignment mode and per-agent limits (overflow is set over the API). */
function DepartmentAssignment({ canEdit }: { canEdit: boolean }) {
  const s = useStore();
  const [depId, setDepId] = useState('');
  const [form, setForm] = useState<{ mode: string; chat: number; email: number; overflowDepartmentId: string | null; overflowAfterMinutes: number | null } | null>(null);
  const [note, setNote] = useState('');
  useEffect(() => {
    if (!depId) return setForm(null);
    void routingApi.assignment(depId).then((a) => setForm({ mode: a.mode, chat: a.capacity.chat, email: a.capacity.email, overflowDepartmentId: a.overflowDepartmentId, overflowAfterMinutes: a.overflowAfterMinutes }));
  }, [depId]);
  const save = async (e: Event) => {
    e.preventDefault();
    if (!form) return;
    try {
      await routingApi.setAssignment(depId, { mode: form.mode, capacity: { chat: form.chat, email: form.email }, overflowDepartmentId: form.overflowDepartmentId, overflowAfterMinutes: form.overflowAfterMinutes });
      setNote(rot('saved'));
    } catch (err) {
      setNote(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <form class="settings-form routing-form" data-testid="department-assignment" style={formStyle} onSubmit={(e) => void save(e)}>
      <h2>{rot('assignment')}</h2>
      <p class="muted">{rot('assignmentHelp')}</p>
      <label>
        {rot('department')}
        <select name="assignmentDepartment" value={depId} onChange={(e) => setDepId(e.currentTarget.value)}>
          <option value="">{rot('none')}</option>
          {s.departments.map((d) => (
            <option value={d.id}>{d.name}</option>
          ))}
        </select>
      </label>
      {form && (
        <>
          <label>
            {rot('mode')}
            <select name="mode" value={form.mode} disabled={!canEdit} onChange={(e) => setForm({ ...form, mode: e.currentTarget.value })}>
              {(['manual', 'round_robin', 'least_loaded'] as const).map((m) => (
                <option value={m}>{rot(m)}</option>
              ))}
            </select>
          </label>
          <label>
            {rot('chatLimit')}
            <input name="chatLimit" type="number" min={0} max={100} value={form.chat} disabled={!canEdit} onInput={(e) => setForm({ ...form, chat: Number(e.currentTarget.value) })} />
          </label>
          <label>
            {rot('emailLimit')}
            <input name="emailLimit" type="number" min={0} max={100} value={form.email} disabled={!canEdit} onInput={(e) => setForm({ ...form, email: Number(e.currentTarget.value) })} />
          </label>
          {canEdit && (
            <div class="form-actions">
              <button class="btn primary" type="submit" data-testid="save-assignment">
                {rot('save')}
              </button>
              {note && <span class="muted" data-testid="assignment-note">{note}</span>}
            </div>
          )}
        </>
      )}
    </form>
  );
}
