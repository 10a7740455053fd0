import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../../api.ts';
import { getLang, t, type Key } from '../../i18n.ts';
import { fieldTexts, groupFields, initialValues, secretIsSet, toPayload, validate, widgetSnippet, type FieldProblem, type FormValues } from '../../inbox-form.ts';
import { store, useStore } from '../../store.ts';
import type { ChannelDescription, ChannelSettingsField, ConnectionReport, Inbox } from '../../types.ts';
import { at } from '../../automation-i18n.ts';
import { ChannelBadge } from '../bits.tsx';
import { CopyField, HealthDot, QrCode } from './bits.tsx';
import { InboxAutomationForm } from './InboxAutomation.tsx';

interface Props {
  /** Undefined: a new inbox of `kind`. */
  inbox?: Inbox;
  kind: string;
  canEdit: boolean;
}

/**
 * Create or edit one inbox. The form is generated from the kind's `ChannelDescription`; then, for a stored
 * inbox: test connection (per check), webhook URL, website snippet, WhatsApp pairing, disable and delete.
 */
export function InboxEditor({ inbox, kind, canEdit }: Props) {
  const s = useStore();
  const desc = s.kinds.find((k) => k.kind === kind);
  const [name, setName] = useState(inbox?.name ?? '');
  const [departmentId, setDepartmentId] = useState(inbox?.departmentId ?? '');
  const [reopenDays, setReopenDays] = useState(inbox?.reopenWindowDays == null ? '' : String(inbox.reopenWindowDays));
  const [values, setValues] = useState<FormValues>(() => (desc ? initialValues(desc, inbox) : {}));
  const [editingSecrets, setEditingSecrets] = useState<Set<string>>(new Set());
  const [problems, setProblems] = useState<FieldProblem[]>([]);
  const [dirty, setDirty] = useState(!inbox);
  const [busy, setBusy] = useState<'' | 'saving' | 'testing'>('');
  const [error, setError] = useState('');
  /** A stored inbox's editor has two tabs: its settings and its automation (src/web/automation). */
  const [tab, setTab] = useState<'settings' | 'automation'>('settings');
  // Kept in the store: testing a new inbox saves it first, which moves to its own URL (a new editor).
  const test = inbox ? s.inboxTests.get(inbox.id) : undefined;

  // The kinds arrive after the first render on a direct link: fill the form then.
  useEffect(() => {
    if (desc && Object.keys(values).length === 0) setValues(initialValues(desc, inbox));
  }, [desc]);

  const set = (key: string, v: string | boolean) => {
    setValues((old) => ({ ...old, [key]: v }));
    setProblems((old) => old.filter((p) => p.key !== key));
    setDirty(true);
  };

  /** Saves; answers the stored inbox, or null when the form or the server refused. */
  const save = async (): Promise<Inbox | null> => {
    setError('');
    const found = desc ? validate(desc, values, inbox, editingSecrets) : [];
    if (!name.trim()) found.push({ key: 'name', problem: 'required' });
    const days = reopenDays.trim() === '' ? undefined : Number(reopenDays);
    if (days !== undefined && !Number.isFinite(days)) found.push({ key: 'reopenWindowDays', problem: 'number' });
    setProblems(found);
    if (found.length) return null;
    const payload = desc ? toPayload(desc, values, inbox) : {};
    const body = { name: name.trim(), departmentId: departmentId || null, ...(days !== undefined ? { reopenWindowDays: days } : {}), ...payload };
    try {
      const saved = inbox
        ? await api.patch<Inbox>(`/inboxes/${inbox.id}`, body)
        : await api.post<Inbox>('/inboxes', { kind, ...body });
      store.inboxes = [...store.inboxes.filter((i) => i.id !== saved.id), saved].sort((a, b) => a.name.localeCompare(b.name));
      store.changed();
      setDirty(false);
      setEditingSecrets(new Set());
      if (desc) setValues(initialValues(desc, saved));
      if (!inbox) location.hash = `#/settings/inboxes/${saved.id}`;
      return saved;
    } catch (err) {
      if (err instanceof ApiError && err.issues.length) {
        setProblems(err.issues.map((i) => ({ key: i.path.replace(/^(settings|secrets)\./, ''), problem: 'required' as const, message: i.message })));
      }
      setError(t('saveFailed', { message: (err as Error).message }));
      return null;
    }
  };

  const onSave = async () => {
    setBusy('saving');
    const saved = await save();
    setBusy('');
    if (saved) store.flash(t('saved'));
  };

  /** Tests what is stored, so unsaved changes are saved first. */
  const onTest = async () => {
    setBusy('testing');
    const target = dirty || !inbox ? await save() : inbox;
    setBusy('');
    if (!target) return;
    store.inboxTests.set(target.id, 'testing');
    store.changed();
    try {
      store.inboxTests.set(target.id, await api.post<ConnectionReport>(`/inboxes/${target.id}/test-connection`));
    } catch (err) {
      store.inboxTests.delete(target.id);
      setError((err as Error).message);
    }
    store.changed();
  };

  const problemOf = (key: string) => problems.find((p) => p.key === key);

  return (
    <section class="settings-section inbox-editor" data-testid="inbox-editor">
      <div class="settings-head">
        <a href="#/settings/inboxes" class="link back">
          ← {t('inboxes')}
        </a>
      </div>
      <div class="settings-head">
        <h1>{inbox ? inbox.name : t('newInbox')}</h1>
        <ChannelBadge channel={kind} />
        {inbox ? <HealthDot health={inbox.health} /> : null}
        {inbox && !inbox.enabled ? <span class="pill st-closed">{t('disabled')}</span> : null}
      </div>
      {inbox?.health.detail ? (
        <p class={`health-banner ${inbox.health.status}`} data-testid="editor-health-detail">
          {inbox.health.detail}
        </p>
      ) : null}
      {canEdit ? null : <p class="muted">{t('readOnlySettings')}</p>}
      {inbox ? (
        <div class="editor-tabs" role="tablist">
          <button type="button" role="tab" aria-selected={tab === 'settings'} class={tab === 'settings' ? 'active' : ''} data-testid="tab-settings" onClick={() => setTab('settings')}>
            {t('general')}
          </button>
          <button type="button" role="tab" aria-selected={tab === 'automation'} class={tab === 'automation' ? 'active' : ''} data-testid="tab-automation" onClick={() => setTab('automation')}>
            {at('auto')}
          </button>
        </div>
      ) : null}
      {inbox && tab === 'automation' ? <InboxAutomationForm inboxId={inbox.id} canEdit={canEdit} /> : null}
      {tab === 'settings' && !desc && s.kinds.length ? <p class="muted">{t('kindNotAvailable', { kind: t(`ch_${kind}` as Key) })}</p> : null}

      {/* Hidden, not unmounted, on the automation tab: unsaved settings survive a look at the other tab. */}
      <form
        class="inbox-form"
        hidden={tab !== 'settings'}
        onSubmit={(e) => {
          e.preventDefault();
          void onSave();
        }}
      >
        <fieldset disabled={!canEdit}>
          <legend>{t('general')}</legend>
          <label class="field">
            <span class="field-label">
              {t('inboxName')} <b class="req">*</b>
            </span>
            <input
              name="name"
              value={name}
              onInput={(e) => {
                setName(e.currentTarget.value);
                setProblems((old) => old.filter((p) => p.key !== 'name'));
                setDirty(true);
              }}
            />
            <Problem problem={problemOf('name')} />
          </label>
          <label class="field">
            <span class="field-label">{t('department')}</span>
            <select
              name="departmentId"
              value={departmentId}
              onChange={(e) => {
                setDepartmentId(e.currentTarget.value);
                setDirty(true);
              }}
            >
              <option value="">{t('triage')}</option>
              {s.departments.map((d) => (
                <option value={d.id}>{d.name}</option>
              ))}
            </select>
          </label>
          {desc
            ? groupFields(desc.fields)
                .filter((g) => g.group === null)
                .flatMap((g) => g.fields)
                .map((f) => <Field field={f} {...{ values, set, inbox, editingSecrets, setEditingSecrets, problem: problemOf(f.key) }} />)
            : null}
          <label class="field">
            <span class="field-label">{t('reopenWindow')}</span>
            <input
              name="reopenWindowDays"
              inputMode="numeric"
              value={reopenDays}
              onInput={(e) => {
                setReopenDays(e.currentTarget.value);
                setProblems((old) => old.filter((p) => p.key !== 'reopenWindowDays'));
                setDirty(true);
              }}
            />
            <span class="field-help">{t('reopenWindowHelp')}</span>
            <Problem problem={problemOf('reopenWindowDays')} />
          </label>
        </fieldset>
        {desc
          ? groupFields(desc.fields)
              .filter((g) => g.group !== null)
              .map((g) => (
                <fieldset disabled={!canEdit} data-group={g.group}>
                  <legend>{g.group!.toUpperCase()}</legend>
                  {g.fields.map((f) => (
                    <Field field={f} {...{ values, set, inbox, editingSecrets, setEditingSecrets, problem: problemOf(f.key) }} />
                  ))}
                </fieldset>
              ))
          : null}
        {canEdit ? (
          <div class="form-bar">
            <button type="submit" class="btn primary" disabled={busy !== ''} data-testid="save-inbox">
              {inbox ? t('save') : t('createInbox')}
            </button>
            {desc?.testable ? (
              <button type="button" class="btn" disabled={busy !== ''} data-testid="test-connection" onClick={() => void onTest()} title={t('testHint')}>
                {busy === 'testing' ? t('testing') : t('testConnection')}
              </button>
            ) : null}
            {!inbox ? (
              <a class="btn ghost" href="#/settings/inboxes">
                {t('cancel')}
              </a>
            ) : null}
            {error ? (
              <span class="form-error" data-testid="form-error">
                {error}
              </span>
            ) : null}
          </div>
        ) : null}
        {desc?.testable && canEdit ? <p class="hint">{t('testHint')}</p> : null}
      </form>

      {tab === 'settings' && test && test !== 'testing' ? <TestReport report={test} /> : null}
      {tab === 'settings' && inbox ? <Extras inbox={inbox} desc={desc} canEdit={canEdit} /> : null}
      {tab === 'settings' && inbox && canEdit ? <DangerZone inbox={inbox} /> : null}
    </section>
  );
}

function Problem({ problem }: { problem: (FieldProblem & { message?: string }) | undefined }) {
  if (!problem) return null;
  return <span class="field-problem">{problem.message ?? (problem.problem === 'number' ? t('notANumber') : t('required'))}</span>;
}

interface FieldProps {
  field: ChannelSettingsField;
  values: FormValues;
  set(key: string, v: string | boolean): void;
  inbox: Inbox | undefined;
  editingSecrets: Set<string>;
  setEditingSecrets(s: Set<string>): void;
  problem: FieldProblem | undefined;
}

/** One generated input; `secret` fields are write-only ("••• set", "change"). */
function Field({ field: f, values, set, inbox, editingSecrets, setEditingSecrets, problem }: FieldProps) {
  const v = values[f.key];
  const text = fieldTexts(f, getLang());
  const label = (
    <span class="field-label">
      {text.label} {f.required ? <b class="req">*</b> : null}
    </span>
  );
  const help = text.help ? <span class="field-help">{text.help}</span> : null;
  if (f.type === 'boolean') {
    return (
      <label class="field check" data-testid={`field-${f.key}`}>
        <input type="checkbox" name={f.key} checked={v === true} onChange={(e) => set(f.key, e.currentTarget.checked)} />
        {label}
        {help}
      </label>
    );
  }
  if (f.secret) {
    const stored = secretIsSet(inbox, f.key);
    const editing = !stored || editingSecrets.has(f.key);
    const toggle = (on: boolean) => {
      const next = new Set(editingSecrets);
      if (on) next.add(f.key);
      else next.delete(f.key);
      setEditingSecrets(next);
      if (!on) set(f.key, '');
    };
    return (
      <label class="field" data-testid={`field-${f.key}`}>
        {label}
        {editing ? (
          <span class="secret-edit">
            <input type="password" name={f.key} autocomplete="new-password" value={String(v ?? '')} placeholder={text.placeholder} onInput={(e) => set(f.key, e.currentTarget.value)} />
            {stored ? (
              <button type="button" class="link" onClick={() => toggle(false)}>
                {t('keep')}
              </button>
            ) : null}
          </span>
        ) : (
          <span class="secret-set" data-testid="secret-set">
            {t('secretSet')}{' '}
            <button type="button" class="link" data-testid={`change-${f.key}`} onClick={() => toggle(true)}>
              {t('change')}
            </button>
          </span>
        )}
        {help}
        <Problem problem={problem} />
      </label>
    );
  }
  const common = { name: f.key, value: String(v ?? ''), placeholder: text.placeholder, onInput: (e: { currentTarget: { value: string } }) => set(f.key, e.currentTarget.value) };
  let input;
  if (f.type === 'textarea') input = <textarea rows={3} {...common} />;
  else if (f.type === 'select') {
    input = (
      <select name={f.key} value={String(v ?? '')} onChange={(e) => set(f.key, e.currentTarget.value)}>
        {f.required ? null : <option value="">—</option>}
        {(f.options ?? []).map((o) => (
          <option value={o.value}>{text.option(o.value, o.label)}</option>
        ))}
      </select>
    );
  } else input = <input type={f.type === 'number' ? 'text' : f.type} inputMode={f.type === 'number' ? 'numeric' : undefined} {...common} />;
  return (
    <label class="field" data-testid={`field-${f.key}`}>
      {label}
      {input}
      {help}
      <Problem problem={problem} />
    </label>
  );
}

function TestReport({ report }: { report: ConnectionReport }) {
  const ref = useRef<HTMLDivElement>(null);
  // The form is long: bring the result into view when it arrives.
  useEffect(() => ref.current?.scrollIntoView({ block: 'nearest' }), [report]);
  return (
    <div ref={ref} class={`test-report ${report.ok ? 'ok' : 'failed'}`} data-testid="test-report" data-ok={String(report.ok)}>
      <strong>{report.ok ? `✓ ${t('testPassed')}` : `✗ ${t('testFailed')}`}</strong>
      <ul>
        {Object.entries(report.checks).map(([name, c]) => (
          <li data-testid={`check-${name}`} data-ok={String(c.ok)} class={c.ok ? 'ok' : 'failed'}>
            <span class="check-name">{name.toUpperCase()}</span>
            {c.ok ? (
              <span>{t('checkOk', { ms: c.durationMs })}</span>
            ) : (
              <span>
                <code>{c.code}</code> {c.message}
              </span>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** What a stored inbox offers beyond its settings: webhook URL, website snippet, pairing QR. */
function Extras({ inbox, desc, canEdit }: { inbox: Inbox; desc: ChannelDescription | undefined; canEdit: boolean }) {
  const [color, setColor] = useState('#2563eb');
  const [label, setLabel] = useState('');
  return (
    <>
      {desc?.webhook ? (
        <div class="settings-card">
          <h2>{t('webhookUrl')}</h2>
          <p class="hint">{t('webhookHint')}</p>
          <CopyField value={inbox.webhookUrl} testid="webhook-url" />
        </div>
      ) : null}
      {inbox.kind === 'webchat' ? (
        <div class="settings-card">
          <h2>{t('widgetSnippet')}</h2>
          <p class="hint">{t('widgetHint')}</p>
          <div class="snippet-options">
            <label>
              {t('widgetColor')} <input type="color" value={color} onInput={(e) => setColor(e.currentTarget.value)} />
            </label>
            <label>
              {t('widgetLabel')} <input value={label} placeholder="Chat" onInput={(e) => setLabel(e.currentTarget.value)} />
            </label>
          </div>
          <CopyField value={widgetSnippet(inbox, { color, label })} testid="widget-snippet" multiline />
        </div>
      ) : null}
      {inbox.kind === 'whatsapp' || inbox.health.qr ? <Pairing inbox={inbox} canEdit={canEdit} /> : null}
    </>
  );
}

const waStates: Array<[RegExp, Key]> = [
  [/logged[ _-]?out|logout/i, 'wa_logged_out'],
  [/conflict/i, 'wa_conflict'],
  [/disconnect/i, 'wa_disconnected'],
  [/authenticat/i, 'wa_authenticated'],
  [/ready|connected/i, 'wa_ready'],
];

/** The session's state in words: the QR when one is waiting, else what the health detail says. */
export function pairingState(health: Inbox['health']): Key | null {
  if (health.qr) return 'wa_qr';
  const hit = waStates.find(([re]) => re.test(health.detail ?? ''));
  if (hit) return hit[1];
  return health.status === 'ok' ? 'wa_ready' : health.status === 'unknown' ? 'wa_waiting' : null;
}

function Pairing({ inbox, canEdit }: { inbox: Inbox; canEdit: boolean }) {
  const state = pairingState(inbox.health);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState('');
  // Unpairs the phone and forgets the stored session: the new QR arrives live in the inbox health.
  const reset = async () => {
    setError('');
    try {
      await api.post(`/inboxes/${inbox.id}/session/reset`);
      setConfirming(false);
      store.flash(t('wa_resetAsked'));
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <div class="settings-card pairing" data-testid="pairing" data-state={state ?? ''}>
      <h2>{t('wa_title')}</h2>
      <p class="pairing-state">{state ? t(state) : inbox.health.detail}</p>
      {inbox.health.qr && canEdit ? <QrCode text={inbox.health.qr} /> : null}
      {canEdit && inbox.kind === 'whatsapp' ? (
        <div class="form-bar">
          {confirming ? (
            <>
              <span>{t('wa_resetConfirm')}</span>
              <button class="btn danger" data-testid="wa-reset-confirm" onClick={() => void reset()}>
                {t('wa_reset')}
              </button>
              <button class="btn" onClick={() => setConfirming(false)}>
                {t('cancel')}
              </button>
            </>
          ) : (
            <button class="btn danger-outline" data-testid="wa-reset" onClick={() => setConfirming(true)}>
              {t('wa_reset')}
            </button>
          )}
        </div>
      ) : null}
      {error ? <p class="form-error">{error}</p> : null}
    </div>
  );
}

function DangerZone({ inbox }: { inbox: Inbox }) {
  const [confirming, setConfirming] = useState(false);
  const [refused, setRefused] = useState(false);
  const [error, setError] = useState('');
  const toggle = async () => {
    setError('');
    try {
      const saved = await api.patch<Inbox>(`/inboxes/${inbox.id}`, { enabled: !inbox.enabled });
      store.inboxes = store.inboxes.map((i) => (i.id === saved.id ? saved : i));
      store.changed();
      setRefused(false);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const remove = async () => {
    setError('');
    try {
      await api.delete(`/inboxes/${inbox.id}`);
      store.inboxes = store.inboxes.filter((i) => i.id !== inbox.id);
      store.flash(t('inboxDeleted'));
      location.hash = '#/settings/inboxes';
    } catch (err) {
      setConfirming(false);
      if (err instanceof ApiError && err.code === 'INBOX_HAS_TICKETS') setRefused(true);
      else setError((err as Error).message);
    }
  };
  return (
    <div class="settings-card danger">
      <h2>{t('disableOrDelete')}</h2>
      <p class="hint">{t('disabledHint')}</p>
      <div class="form-bar">
        <button type="button" class="btn" data-testid="toggle-enabled" onClick={() => void toggle()}>
          {inbox.enabled ? t('disable') : t('enable')}
        </button>
        {confirming ? (
          <span class="confirm">
            {t('confirmDelete', { name: inbox.name })}{' '}
            <button type="button" class="btn danger small" data-testid="confirm-delete" onClick={() => void remove()}>
              {t('deleteForGood')}
            </button>{' '}
            <button type="button" class="btn ghost small" onClick={() => setConfirming(false)}>
              {t('cancel')}
            </button>
          </span>
        ) : (
          <button type="button" class="btn danger-outline" data-testid="delete-inbox" onClick={() => setConfirming(true)}>
            {t('deleteInbox')}
          </button>
        )}
      </div>
      {refused ? (
        <p class="form-error" data-testid="delete-refused">
          {t('inboxHasTickets')}
        </p>
      ) : null}
      {error ? <p class="form-error">{error}</p> : null}
    </div>
  );
}
