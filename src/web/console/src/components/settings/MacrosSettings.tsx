import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { errorText } from '../../error-text.ts';
import { at } from '../../automation-i18n.ts';
import { t, type Key } from '../../i18n.ts';
import type { Macro, MacroActions } from '../../macros.ts';
import { store } from '../../store.ts';

const statuses = ['open', 'pending', 'on-hold', 'solved'];
const priorities = ['low', 'normal', 'high', 'urgent'];
const splitTags = (s: string) => s.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean);

/** `#/settings/macros`: the list, and one macro's form (admins edit; supervisors look). */
export function MacrosSettings({ canEdit }: { canEdit: boolean }) {
  const [macros, setMacros] = useState<Macro[] | null>(null);
  const [editing, setEditing] = useState<Macro | 'new' | null>(null);
  const load = () =>
    api
      .get<{ items: Macro[] }>('/macros')
      .then((r) => setMacros(r.items))
      .catch((err: unknown) => store.flash(errorText(err)));
  useEffect(() => void load(), []);

  if (editing) return <MacroForm macro={editing === 'new' ? null : editing} onDone={() => (setEditing(null), void load())} />;
  return (
    <section class="settings-section" data-testid="macros-settings">
      <div class="settings-head">
        <h1>{at('macros')}</h1>
        {canEdit ? (
          <button class="btn primary" data-testid="macro-new" onClick={() => setEditing('new')}>
            + {at('macroNew')}
          </button>
        ) : null}
      </div>
      {macros && !macros.length ? <p class="muted">{at('macroEmpty')}</p> : null}
      <table class="inbox-table">
        <tbody>
          {(macros ?? []).map((m) => (
            <tr data-testid="macro-row">
              <td>
                <strong>{m.name}</strong>
              </td>
              <td class="muted">{describe(m.actions)}</td>
              <td>
                {canEdit ? (
                  <>
                    <button class="btn small" onClick={() => setEditing(m)}>
                      {at('macroEdit')}
                    </button>{' '}
                    <button
                      class="btn small"
                      onClick={() => {
                        if (!confirm(at('macroDeleteConfirm', { name: m.name }))) return;
                        void api
                          .delete(`/macros/${m.id}`)
                          .then(load)
                          .catch((err: unknown) => store.flash(errorText(err)));
                      }}
                    >
                      {at('macroDelete')}
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

function describe(a: MacroActions): string {
  const parts: string[] = [];
  if (a.reply) parts.push(`💬 ${a.reply.length > 40 ? `${a.reply.slice(0, 40)}…` : a.reply}`);
  if (a.status) parts.push(`→ ${t(`st_${a.status}` as Key)}`);
  if (a.priority) parts.push(`⚑ ${t(`pr_${a.priority}` as Key)}`);
  if (a.tagsAdd.length) parts.push(`+${a.tagsAdd.join(' +')}`);
  if (a.tagsRemove.length) parts.push(`−${a.tagsRemove.join(' −')}`);
  return parts.join(' · ');
}

function MacroForm({ macro, onDone }: { macro: Macro | null; onDone: () => void }) {
  const [name, setName] = useState(macro?.name ?? '');
  const [status, setStatus] = useState(macro?.actions.status ?? '');
  const [priority, setPriority] = useState(macro?.actions.priority ?? '');
  const [tagsAdd, setTagsAdd] = useState(macro?.actions.tagsAdd.join(', ') ?? '');
  const [tagsRemove, setTagsRemove] = useState(macro?.actions.tagsRemove.join(', ') ?? '');
  const [reply, setReply] = useState(macro?.actions.reply ?? '');
  const [error, setError] = useState('');

  const save = async (e: Event) => {
    e.preventDefault();
    const actions = {
      ...(status ? { status } : {}),
      ...(priority ? { priority } : {}),
      tagsAdd: splitTags(tagsAdd),
      tagsRemove: splitTags(tagsRemove),
      ...(reply.trim() ? { reply: reply.trim() } : {}),
    };
    if (!actions.status && !actions.priority && !actions.tagsAdd.length && !actions.tagsRemove.length && !actions.reply) return setError(at('macroNeedsAction'));
    try {
      if (macro) await api.put(`/macros/${macro.id}`, { name, actions });
      else await api.post('/macros', { name, actions });
      store.flash(at('macroSaved'));
      onDone();
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <section class="settings-section">
      <div class="settings-head">
        <a href="#/settings/macros" class="link back" onClick={(e) => (e.preventDefault(), onDone())}>
          ← {at('macros')}
        </a>
      </div>
      <h1>{macro ? macro.name : at('macroNew')}</h1>
      <form class="macro-form" data-testid="macro-form" onSubmit={(e) => void save(e)}>
        <label>
          <span>{at('macroName')}</span>
          <input name="name" required maxLength={80} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <fieldset>
          <legend>{at('macroActions')}</legend>
          <label>
            <span>{at('macroReply')}</span>
            <textarea name="reply" rows={4} maxLength={10000} value={reply} onInput={(e) => setReply(e.currentTarget.value)} />
          </label>
          <label>
            <span>{at('macroStatus')}</span>
            <select name="status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
              <option value="">{at('macroNoChange')}</option>
              {statuses.map((x) => (
                <option value={x}>{t(`st_${x}` as Key)}</option>
              ))}
            </select>
          </label>
          <label>
            <span>{at('macroPriority')}</span>
            <select name="priority" value={priority} onChange={(e) => setPriority(e.currentTarget.value)}>
              <option value="">{at('macroNoChange')}</option>
              {priorities.map((x) => (
                <option value={x}>{t(`pr_${x}` as Key)}</option>
              ))}
            </select>
          </label>
          <label>
            <span>{at('macroTagsAdd')}</span>
            <input name="tagsAdd" placeholder={at('macroTagsHint')} value={tagsAdd} onInput={(e) => setTagsAdd(e.currentTarget.value)} />
          </label>
          <label>
            <span>{at('macroTagsRemove')}</span>
            <input name="tagsRemove" placeholder={at('macroTagsHint')} value={tagsRemove} onInput={(e) => setTagsRemove(e.currentTarget.value)} />
          </label>
        </fieldset>
        {error ? (
          <p class="problem" role="alert">
            {error}
          </p>
        ) : null}
        <div class="row">
          <button class="btn primary" type="submit" data-testid="macro-save">
            {at('macroSave')}
          </button>
          <button class="btn" type="button" onClick={onDone}>
            {at('macroCancel')}
          </button>
        </div>
      </form>
    </section>
  );
}
