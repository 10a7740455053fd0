import type { ChannelDescription, ChannelSettingsField, Inbox } from './types.ts';

/**
 * The inbox settings form as data, drawn from a kind's `ChannelDescription` alone (so a channel added on the
 * server needs no console change). Values are kept flat by field key (`imap.host`); the API wants public
 * settings nested one level (`{ imap: { host } }`) and secrets flat by key (`{ 'imap.password': … }`).
 * Pure functions: tested without a browser (test/unit/console/inbox-form.test.ts).
 */
export type FieldValue = string | boolean;
export type FormValues = Record<string, FieldValue>;
type Settings = Inbox['settings'];
type Scalar = string | number | boolean;

/** Fields in order, grouped by the part of the key before the dot (`imap`, `smtp`); ungrouped first. */
export function groupFields(fields: ReadonlyArray<ChannelSettingsField>): Array<{ group: string | null; fields: ChannelSettingsField[] }> {
  const groups: Array<{ group: string | null; fields: ChannelSettingsField[] }> = [];
  for (const f of fields) {
    const group = f.key.includes('.') ? f.key.slice(0, f.key.indexOf('.')) : null;
    let g = groups.find((x) => x.group === group);
    if (!g) groups.push((g = { group, fields: [] }));
    g.fields.push(f);
  }
  return groups.sort((a, b) => (a.group === null ? -1 : 0) - (b.group === null ? -1 : 0));
}

function readSetting(settings: Settings, key: string): Scalar | undefined {
  const [group, name] = key.split('.');
  if (!name) {
    const v = settings[key];
    return typeof v === 'object' ? undefined : v;
  }
  const g = settings[group!];
  return g && typeof g === 'object' ? g[name] : undefined;
}

/** What the form shows first: the stored value, else the field's default, else empty. Secrets start empty. */
export function initialValues(desc: ChannelDescription, inbox?: Pick<Inbox, 'settings'>): FormValues {
  const values: FormValues = {};
  for (const f of desc.fields) {
    if (f.secret) {
      values[f.key] = '';
      continue;
    }
    const v = (inbox ? readSetting(inbox.settings, f.key) : undefined) ?? f.default;
    values[f.key] = f.type === 'boolean' ? v === true : v === undefined ? '' : String(v);
  }
  return values;
}

/** Whether a stored secret exists for the field (the form shows "••• set" and a "change" action). */
export const secretIsSet = (inbox: Pick<Inbox, 'secretKeys'> | undefined, key: string) => Boolean(inbox?.secretKeys.includes(key));

export interface FieldProblem {
  key: string;
  problem: 'required' | 'number';
}

/** `editingSecrets`: secret fields the user opened to type a new value (the others keep the stored one). */
export function validate(desc: ChannelDescription, values: FormValues, inbox: Pick<Inbox, 'secretKeys'> | undefined, editingSecrets: ReadonlySet<string>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const f of desc.fields) {
    const v = values[f.key];
    const empty = v === '' || v === undefined;
    if (f.secret) {
      const keeps = secretIsSet(inbox, f.key) && !editingSecrets.has(f.key);
      if (f.required && empty && !keeps) problems.push({ key: f.key, problem: 'required' });
      continue;
    }
    if (f.type === 'boolean') continue;
    if (f.required && empty) problems.push({ key: f.key, problem: 'required' });
    else if (f.type === 'number' && !empty && !Number.isFinite(Number(v))) problems.push({ key: f.key, problem: 'number' });
  }
  return problems;
}

function writeSetting(settings: Record<string, unknown>, key: string, value: Scalar | undefined) {
  const [group, name] = key.split('.');
  if (!name) {
    if (value === undefined) delete settings[key];
    else settings[key] = value;
    return;
  }
  const current = settings[group!];
  const g: Record<string, Scalar> = current && typeof current === 'object' ? { ...(current as Record<string, Scalar>) } : {};
  if (value === undefined) delete g[name];
  else g[name] = value;
  if (Object.keys(g).length) settings[group!] = g;
  else delete settings[group!];
}

/**
 * The `settings` and `secrets` of a create or update. Settings start from what is stored, so keys the form
 * does not show (set through the API, e.g. `publicUrl`) survive an edit; an emptied field is removed.
 * Secrets: only those typed anew (empty = keep the stored one).
 */
export function toPayload(
  desc: ChannelDescription,
  values: FormValues,
  stored?: Pick<Inbox, 'settings'>,
): { settings: Settings; secrets: Record<string, string> } {
  const settings = structuredClone(stored?.settings ?? {}) as Record<string, unknown>;
  const secrets: Record<string, string> = {};
  for (const f of desc.fields) {
    const v = values[f.key];
    if (f.secret) {
      if (typeof v === 'string' && v !== '') secrets[f.key] = v;
      continue;
    }
    if (f.type === 'boolean') writeSetting(settings, f.key, v === true);
    else if (v === '' || v === undefined) writeSetting(settings, f.key, undefined);
    else if (f.type === 'number') writeSetting(settings, f.key, Number(v));
    else writeSetting(settings, f.key, String(v).trim());
  }
  return { settings: settings as Settings, secrets };
}

/** `<public url>` of the hub, as the server knows it: the inbox's webhook URL without `/webhooks/<kind>/<id>`. */
export const publicBaseOf = (inbox: Pick<Inbox, 'webhookUrl'>) => inbox.webhookUrl.replace(/\/webhooks\/[^/]+\/[^/]+$/, '');

const attr = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The website chat's embed tag (the attributes `src/channels/webchat/widget-script.ts` reads). */
export function widgetSnippet(inbox: Pick<Inbox, 'id' | 'webhookUrl'>, opts: { color?: string; label?: string } = {}): string {
  const parts = [`src="${attr(publicBaseOf(inbox))}/chat/widget.js"`, `data-inbox="${attr(inbox.id)}"`];
  if (opts.color) parts.push(`data-color="${attr(opts.color)}"`);
  if (opts.label) parts.push(`data-label="${attr(opts.label)}"`);
  return `<script ${parts.join(' ')} async></script>`;
}

/** A field's texts in the console's language (the description's `i18n`), English where not translated. */
export function fieldTexts(f: ChannelSettingsField, lang: string): { label: string; help?: string; placeholder?: string; option(value: string, label: string): string } {
  const tr = lang === 'pt' || lang === 'es' ? f.i18n?.[lang] : undefined;
  return {
    label: tr?.label ?? f.label,
    help: tr?.help ?? f.help,
    placeholder: tr?.placeholder ?? f.placeholder,
    option: (value, label) => tr?.options?.[value] ?? label,
  };
}
