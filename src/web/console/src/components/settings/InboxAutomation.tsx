import { useEffect, useRef, useState } from 'preact/hooks';
import { DEFAULT_TEMPLATES } from '../../../../../core/automation/customer-texts.ts';
import type { InboxAutomation } from '../../../../../core/automation/inbox-automation.ts';
import { api, ApiError } from '../../api.ts';
import { at, type AutomationKey } from '../../automation-i18n.ts';
import { t } from '../../i18n.ts';
import { store } from '../../store.ts';

const langs = ['pt', 'es', 'en'] as const;
type Lang = (typeof langs)[number];
type Texts = Record<Lang, string>;

/** The variables each customer text is filled with (src/core/automation/auto-acknowledge.ts, automation-sweep.ts). */
const ACK_VARS = ['ticket.number', 'ticket.subject', 'contact.name', 'contact.greeting', 'sla.promise', 'sla.firstResponseDueAt'] as const;
const REMINDER_VARS = ['ticket.number', 'ticket.subject', 'contact.name', 'contact.greeting', 'days'] as const;

interface Form {
  defaultLanguage: Lang;
  csatEnabled: boolean;
  csatWindowDays: string;
  autoCloseDays: string;
  pendingReminderDays: string;
  reminderTexts: Texts;
  ackEnabled: boolean;
  ackTexts: Texts;
  perContactMinutes: string;
}

const num = (n: number | null | undefined) => (n == null ? '' : String(n));
const texts = (v: Partial<Texts>): Texts => ({ pt: v.pt ?? '', es: v.es ?? '', en: v.en ?? '' });

function toForm(a: InboxAutomation): Form {
  return {
    defaultLanguage: a.defaultLanguage,
    csatEnabled: a.csat.enabled,
    csatWindowDays: num(a.csat.windowDays),
    autoCloseDays: num(a.autoCloseDays),
    pendingReminderDays: num(a.pendingReminderDays),
    reminderTexts: texts(a.pendingReminderTemplates),
    ackEnabled: a.autoAck.enabled,
    ackTexts: texts(a.autoAck.templates),
    perContactMinutes: num(a.autoAck.perContactMinutes),
  };
}

/** The issue paths the form shows at a field. */
const FIELD_KEYS = /^(defaultLanguage|csat\.windowDays|autoCloseDays|pendingReminderDays|autoAck\.perContactMinutes|(autoAck\.templates|pendingReminderTemplates)\.(pt|es|en))$/;

/** Field key (the API's issue path) → problem text. */
type Problems = Record<string, string>;

/**
 * The whole settings document from the form (PUT replaces it). Empty number fields: null where null means
 * "never", omitted (the server's default) otherwise; empty texts are omitted (the built-in text). What is not a
 * whole number stays in `problems`; ranges are the server's to check (its 400 issues land at the fields).
 */
export function toPayload(f: Form): { body: unknown; problems: Problems } {
  const problems: Problems = {};
  const int = (key: string, v: string): number | undefined => {
    if (v.trim() === '') return undefined;
    if (!/^-?\d+$/.test(v.trim())) {
      problems[key] = at('autoNotANumber');
      return undefined;
    }
    return Number(v.trim());
  };
  const filled = (v: Texts) => Object.fromEntries(langs.filter((l) => v[l].trim()).map((l) => [l, v[l].trim()]));
  const windowDays = int('csat.windowDays', f.csatWindowDays);
  const perContact = int('autoAck.perContactMinutes', f.perContactMinutes);
  const body = {
    defaultLanguage: f.defaultLanguage,
    csat: { enabled: f.csatEnabled, ...(windowDays !== undefined ? { windowDays } : {}) },
    autoCloseDays: int('autoCloseDays', f.autoCloseDays) ?? null,
    pendingReminderDays: int('pendingReminderDays', f.pendingReminderDays) ?? null,
    pendingReminderTemplates: filled(f.reminderTexts),
    autoAck: { enabled: f.ackEnabled, templates: filled(f.ackTexts), ...(perContact !== undefined ? { perContactMinutes: perContact } : {}) },
  };
  return { body, problems };
}

/** The inbox's automation tab: rating after solve, auto-close, pending reminder, acknowledgement. Admins edit. */
export function InboxAutomationForm({ inboxId, canEdit }: { inboxId: string; canEdit: boolean }) {
  const [form, setForm] = useState<Form | null>(null);
  const [problems, setProblems] = useState<Problems>({});
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api
      .get<InboxAutomation>(`/inboxes/${inboxId}/automation`)
      .then((a) => setForm(toForm(a)))
      .catch((err: Error) => setError(at('autoLoadFailed', { message: err.message })));
  }, [inboxId]);

  if (!form) {
    return (
      <div class="settings-card" data-testid="automation-form">
        {error ? <p class="form-error">{error}</p> : <p class="muted">{t('loading')}</p>}
      </div>
    );
  }

  const set = (patch: Partial<Form>, ...keys: string[]) => {
    setForm({ ...form, ...patch });
    setError('');
    if (keys.length) setProblems((old) => Object.fromEntries(Object.entries(old).filter(([k]) => !keys.includes(k))));
  };

  const save = async () => {
    setError('');
    const { body, problems: found } = toPayload(form);
    setProblems(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      setForm(toForm(await api.put<InboxAutomation>(`/inboxes/${inboxId}/automation`, body)));
      store.flash(at('autoSaved'));
    } catch (err) {
      const issues = err instanceof ApiError ? err.issues : [];
      if (issues.length) setProblems(Object.fromEntries(issues.map((i) => [i.path, i.message])));
      // Every refusal shown at its field: say so instead of repeating them in one line.
      setError(issues.length && issues.every((i) => FIELD_KEYS.test(i.path)) ? at('autoCheckFields') : t('saveFailed', { message: (err as Error).message }));
    } finally {
      setBusy(false);
    }
  };

  const numberField = (key: string, label: AutomationKey, value: string, onInput: (v: string) => void, help?: AutomationKey) => (
    <label class="field" data-testid={`auto-${key}`}>
      <span class="field-label">{at(label)}</span>
      <input name={key} inputMode="numeric" disabled={!canEdit} value={value} onInput={(e) => onInput(e.currentTarget.value)} aria-invalid={problems[key] ? 'true' : undefined} />
      {help ? <span class="field-help">{at(help)}</span> : null}
      <Problem text={problems[key]} />
    </label>
  );

  return (
    <form
      class="inbox-form automation-form"
      data-testid="automation-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <p class="hint">{at('autoHelp')}</p>
      <fieldset>
        <legend>{t('general')}</legend>
        <div class="form-grid">
          <label class="field" data-testid="auto-defaultLanguage">
            <span class="field-label">{at('autoDefaultLanguage')}</span>
            <select name="defaultLanguage" disabled={!canEdit} value={form.defaultLanguage} onChange={(e) => set({ defaultLanguage: e.currentTarget.value as Lang }, 'defaultLanguage')}>
              {langs.map((l) => (
                <option value={l}>{l.toUpperCase()}</option>
              ))}
            </select>
            <span class="field-help">{at('autoDefaultLanguageHelp')}</span>
            <Problem text={problems.defaultLanguage} />
          </label>
        </div>
      </fieldset>

      <fieldset data-testid="auto-csat">
        <legend>CSAT</legend>
        <label class="field check">
          <input type="checkbox" name="csatEnabled" disabled={!canEdit} checked={form.csatEnabled} onChange={(e) => set({ csatEnabled: e.currentTarget.checked })} />
          <span class="field-label">{at('autoCsat')}</span>
        </label>
        <div class="form-grid">{numberField('csat.windowDays', 'autoCsatWindow', form.csatWindowDays, (v) => set({ csatWindowDays: v }, 'csat.windowDays'))}</div>
      </fieldset>

      <fieldset data-testid="auto-ack">
        <legend>{at('autoAckLegend')}</legend>
        <label class="field check">
          <input type="checkbox" name="autoAckEnabled" disabled={!canEdit} checked={form.ackEnabled} onChange={(e) => set({ ackEnabled: e.currentTarget.checked })} />
          <span class="field-label">{at('autoAck')}</span>
          <span class="field-help">{at('autoAckHelp')}</span>
        </label>
        <div class="form-grid">
          {numberField('autoAck.perContactMinutes', 'autoPerContact', form.perContactMinutes, (v) => set({ perContactMinutes: v }, 'autoAck.perContactMinutes'), 'autoPerContactHelp')}
        </div>
        <Templates
          id="ack"
          title="autoAckTexts"
          path="autoAck.templates"
          value={form.ackTexts}
          defaults={DEFAULT_TEMPLATES.autoAck}
          vars={ACK_VARS}
          problems={problems}
          preferred={form.defaultLanguage}
          readOnly={!canEdit}
          onChange={(v, key) => set({ ackTexts: v }, key)}
        />
      </fieldset>

      <fieldset data-testid="auto-lifecycle">
        <legend>{at('autoLifecycle')}</legend>
        <div class="form-grid">
          {numberField('autoCloseDays', 'autoClose', form.autoCloseDays, (v) => set({ autoCloseDays: v }, 'autoCloseDays'), 'autoCloseHelp')}
          {numberField('pendingReminderDays', 'autoReminder', form.pendingReminderDays, (v) => set({ pendingReminderDays: v }, 'pendingReminderDays'), 'autoReminderHelp')}
        </div>
        <Templates
          id="reminder"
          title="autoReminderTexts"
          path="pendingReminderTemplates"
          value={form.reminderTexts}
          defaults={DEFAULT_TEMPLATES.pendingReminder}
          vars={REMINDER_VARS}
          problems={problems}
          preferred={form.defaultLanguage}
          readOnly={!canEdit}
          onChange={(v, key) => set({ reminderTexts: v }, key)}
        />
      </fieldset>

      {canEdit ? (
        <div class="form-bar">
          <button type="submit" class="btn primary" disabled={busy} data-testid="save-automation">
            {at('autoSave')}
          </button>
          {error ? (
            <span class="form-error" data-testid="automation-error">
              {error}
            </span>
          ) : null}
        </div>
      ) : null}
    </form>
  );
}

function Problem({ text }: { text: string | undefined }) {
  return text ? <span class="field-problem">{text}</span> : null;
}

interface TemplatesProps {
  id: string;
  title: AutomationKey;
  /** The API path of the templates object (`autoAck.templates`): issues come as `<path>.<lang>`. */
  path: string;
  value: Texts;
  defaults: Texts;
  vars: readonly string[];
  problems: Problems;
  preferred: Lang;
  /** Non-admins: the tabs still switch, the text cannot change. */
  readOnly: boolean;
  onChange(v: Texts, problemKey: string): void;
}

/** One customer text in PT / ES / EN (a tab each), the built-in text as placeholder, variables to insert. */
function Templates({ id, title, path, value, defaults, vars, problems, preferred, readOnly, onChange }: TemplatesProps) {
  const [lang, setLang] = useState<Lang>(preferred);
  const area = useRef<HTMLTextAreaElement>(null);
  const wrong = langs.filter((l) => problems[`${path}.${l}`]);
  // A refused text in another language: show that one.
  useEffect(() => {
    if (wrong.length && !wrong.includes(lang)) setLang(wrong[0]!);
  }, [wrong.join()]);

  const insert = (name: string) => {
    const el = area.current;
    const token = `{{${name}}}`;
    const text = value[lang];
    const start = el?.selectionStart ?? text.length;
    const end = el?.selectionEnd ?? text.length;
    onChange({ ...value, [lang]: text.slice(0, start) + token + text.slice(end) }, `${path}.${lang}`);
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(start + token.length, start + token.length);
    });
  };

  return (
    <div class="field auto-templates" data-testid={`${id}-templates`}>
      <span class="field-label">{at(title)}</span>
      <div class="lang-tabs" role="tablist">
        {langs.map((l) => (
          <button
            type="button"
            role="tab"
            aria-selected={l === lang}
            class={`${l === lang ? 'active' : ''} ${problems[`${path}.${l}`] ? 'has-problem' : ''} ${value[l].trim() ? 'custom' : ''}`}
            data-testid={`${id}-tab-${l}`}
            onClick={() => setLang(l)}
          >
            {l.toUpperCase()}
          </button>
        ))}
      </div>
      <textarea
        ref={area}
        rows={3}
        name={`${id}-${lang}`}
        data-testid={`${id}-text`}
        value={value[lang]}
        readOnly={readOnly}
        placeholder={defaults[lang]}
        onInput={(e) => onChange({ ...value, [lang]: e.currentTarget.value }, `${path}.${lang}`)}
      />
      <span class="field-help">{at('autoTemplateHelp')}</span>
      <Problem text={problems[`${path}.${lang}`]} />
      <div class="template-vars" data-testid={`${id}-vars`}>
        <span class="field-help">{readOnly ? at('autoVariablesReadOnly') : at('autoVariables')}</span>
        {vars.map((v) => (
          <button type="button" class="chip var-chip" disabled={readOnly} title={at(`var_${v.replace('.', '_')}` as AutomationKey)} onClick={() => insert(v)}>
            <code>{`{{${v}}}`}</code> <span class="muted">{at(`var_${v.replace('.', '_')}` as AutomationKey)}</span>
          </button>
        ))}
      </div>
    </div>
  );
}
