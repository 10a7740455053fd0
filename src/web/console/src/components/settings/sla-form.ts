import { useState } from 'preact/hooks';
import { api, ApiError } from '../../api.ts';
import { getLang } from '../../i18n.ts';
import { st } from '../../sla-i18n.ts';

/** What `/api/sla/calendars` and `/api/sla/policies` answer (src/web/views/sla-views.ts). */
export type Interval = { from: string; to: string };
export interface SlaCalendarView {
  id: string;
  name: string;
  timeZone: string;
  /** Seven lists, Monday first. */
  week: Interval[][];
  holidays: string[];
  departmentIds: string[];
  isDefault: boolean;
}
export const priorities = ['urgent', 'high', 'normal', 'low'] as const;
export type Priority = (typeof priorities)[number];
export const targetFields = ['firstResponseMinutes', 'nextResponseMinutes', 'resolutionMinutes'] as const;
export type TargetField = (typeof targetFields)[number];
export type TargetRow = Record<TargetField, number | null>;
export type Targets = Record<Priority, TargetRow>;
export interface SlaPolicyView {
  id: string;
  name: string;
  targets: Targets;
  inboxId: string | null;
  channel: string | null;
  contactTag: string | null;
}
type Saved<T> = T & { reevaluated: number };

export const slaApi = {
  calendars: () => api.get<{ items: SlaCalendarView[] }>('/sla/calendars'),
  saveCalendar: (id: string | null, body: unknown) => (id ? api.put<Saved<SlaCalendarView>>(`/sla/calendars/${id}`, body) : api.post<Saved<SlaCalendarView>>('/sla/calendars', body)),
  deleteCalendar: (id: string) => api.delete<{ reevaluated: number }>(`/sla/calendars/${id}`),
  policies: () => api.get<{ items: SlaPolicyView[]; builtIn: { name: string; targets: Targets } }>('/sla/policies'),
  savePolicy: (id: string | null, body: unknown) => (id ? api.put<Saved<SlaPolicyView>>(`/sla/policies/${id}`, body) : api.post<Saved<SlaPolicyView>>('/sla/policies', body)),
  deletePolicy: (id: string) => api.delete<{ reevaluated: number }>(`/sla/policies/${id}`),
};

/** Field path (as the server names it, e.g. `week.0.1.to`, `targets.normal.firstResponseMinutes`) → message. */
export type Problems = Record<string, string>;

/**
 * A refused save as field problems (400 issues; a taken name belongs to the name field) plus the line for
 * the form bar: the server's message and whatever issue no field of the form shows.
 */
export function problemsOf(err: unknown, shown: (path: string) => boolean): { problems: Problems; general: string } {
  if (!(err instanceof ApiError)) return { problems: {}, general: err instanceof Error ? err.message : String(err) };
  if (err.code === 'NAME_TAKEN') return { problems: { name: err.message }, general: '' };
  const problems: Problems = {};
  const rest: string[] = [];
  for (const i of err.issues) {
    if (shown(i.path)) problems[i.path] = problems[i.path] ? `${problems[i.path]}; ${i.message}` : i.message;
    else rest.push(`${i.path || '—'}: ${i.message}`);
  }
  // The server's message repeats the issues: when every one sits next to its field, say only where to look.
  return { problems, general: rest.length || !Object.keys(problems).length ? [err.message, ...rest].join(' · ') : st('checkFields') };
}

/** The problems under a prefix (`week.2` → every interval of Wednesday), one line. */
export const problemsUnder = (problems: Problems, prefix: string): string =>
  Object.entries(problems)
    .filter(([p]) => p === prefix || p.startsWith(`${prefix}.`))
    .map(([, m]) => m)
    .join('; ');

/** A minutes cell: empty = no target; digits = a number; anything else stays text (the form names it). */
export const minutesOf = (text: string): number | string | null => {
  const v = text.trim();
  if (v === '') return null;
  return /^-?\d+$/.test(v) ? Number(v) : v;
};

export const minutesText = (m: number | null): string => (m === null ? '' : String(m));

/** 90 → "1 h 30 min", 240 → "4 h", null → "—". */
export function duration(m: number | null): string {
  if (m === null) return '—';
  if (m < 60) return st('minutes', { n: m });
  const h = Math.floor(m / 60);
  return m % 60 ? st('hoursMinutes', { h, m: m % 60 }) : st('hours', { n: h });
}

/** Short weekday names in the console's language, Monday first (2024-01-01 was a Monday). */
export const weekdayNames = (): string[] =>
  Array.from({ length: 7 }, (_, i) => new Date(Date.UTC(2024, 0, 1 + i, 12)).toLocaleDateString(getLang(), { weekday: 'short', timeZone: 'UTC' }));

/** "Mon–Fri 09:00–18:00 · Sat 09:00–13:00": runs of days with the same hours, closed days left out. */
export function weekSummary(week: Interval[][]): string {
  const names = weekdayNames();
  const key = (d: Interval[]) => d.map((i) => `${i.from}–${i.to}`).join(', ');
  const parts: string[] = [];
  for (let d = 0; d < 7; ) {
    let e = d;
    while (e + 1 < 7 && key(week[e + 1] ?? []) === key(week[d] ?? [])) e++;
    if ((week[d] ?? []).length) parts.push(`${e > d ? `${names[d]}–${names[e]}` : names[d]} ${key(week[d]!)}`);
    d = e + 1;
  }
  return parts.join(' · ');
}

/** IANA zones the browser knows (for the time zone field's suggestions). */
export function timeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  try {
    return intl.supportedValuesOf?.('timeZone') ?? [];
  } catch {
    return [];
  }
}

export const browserTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** A new calendar: Monday to Friday 09:00–18:00 in the browser's zone. */
export const blankWeek = (): Interval[][] => Array.from({ length: 7 }, (_, d) => (d < 5 ? [{ from: '09:00', to: '18:00' }] : []));

/**
 * A settings form's save: busy while it runs, and a refusal's field problems (paths matching `shown`) put
 * next to their fields, the rest as one general line. `clear(path)` drops a field's problems as it is edited.
 */
export function useFormSave(shown: RegExp) {
  const [problems, setProblems] = useState<Problems>({});
  const [general, setGeneral] = useState('');
  const [busy, setBusy] = useState(false);
  const clear = (path: string) => setProblems((old) => Object.fromEntries(Object.entries(old).filter(([p]) => p !== path && !p.startsWith(`${path}.`))));
  const save = async (run: () => Promise<void>) => {
    setBusy(true);
    setGeneral('');
    try {
      await run();
    } catch (err) {
      const r = problemsOf(err, (p) => shown.test(p));
      setProblems(r.problems);
      setGeneral(r.general);
    } finally {
      setBusy(false);
    }
  };
  return { problems, setProblems, general, setGeneral, busy, clear, save };
}
