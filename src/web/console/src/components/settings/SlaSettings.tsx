import { useEffect, useRef, useState } from 'preact/hooks';
import { t, type Key } from '../../i18n.ts';
import { st } from '../../sla-i18n.ts';
import { store, useStore } from '../../store.ts';
import {
  blankWeek,
  browserTimeZone,
  duration,
  minutesOf,
  minutesText,
  priorities,
  problemsUnder,
  slaApi,
  targetFields,
  timeZones,
  weekdayNames,
  weekSummary,
  type Interval,
  useFormSave,
  type Problems,
  type SlaCalendarView,
  type SlaPolicyView,
  type Targets,
} from './sla-form.ts';
import { errorText } from '../../error-text.ts';

const channels = ['email', 'whatsapp', 'telegram', 'sms', 'voice', 'messenger', 'webchat'];
const targetLabel = { firstResponseMinutes: 'firstResponse', nextResponseMinutes: 'nextResponse', resolutionMinutes: 'resolution' } as const;
const slaCss = `.sla-settings .settings-card { margin-bottom: 18px; }
.sla-settings .card-head { display: flex; align-items: center; justify-content: space-between; gap: 12px; }
.sla-settings .card-head h2 { font-size: 15px; margin: 0; }
.sla-settings .settings-card > .muted { display: block; margin: 4px 0 12px; font-size: 13px; }
.sla-settings .inbox-table td.row-buttons { white-space: nowrap; text-align: right; }
.sla-settings .inbox-table td.targets { font-size: 12px; white-space: nowrap; }
.sla-settings .legend { font-size: 11px; color: var(--muted); margin: 6px 0 0; }
.sla-settings tr.built-in td { color: var(--muted); background: #f9fafb; }
.sla-form { border-top: 1px solid var(--line-2); margin: 0 0 16px; padding-top: 12px; display: flex; flex-direction: column; gap: 14px; }
.sla-form h3 { font-size: 14px; margin: 0; }
.sla-form .two { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 12px 18px; }
.sla-form fieldset { border: 0; padding: 0; margin: 0; display: flex; flex-direction: column; gap: 14px; min-width: 0; }
.sla-week { display: flex; flex-direction: column; gap: 6px; }
.sla-day { display: grid; grid-template-columns: 56px 1fr; gap: 10px; align-items: start; }
.sla-day > strong { font-size: 13px; padding-top: 6px; }
.sla-intervals { display: flex; flex-wrap: wrap; gap: 6px 10px; align-items: center; }
.sla-interval { display: inline-flex; align-items: center; gap: 4px; border: 1px solid var(--line); border-radius: 6px; padding: 2px 4px 2px 6px; background: #f9fafb; }
.sla-form .field .sla-interval input { width: 58px; padding: 4px 6px; border: 1px solid var(--line); border-radius: 4px; font: inherit; font-size: 13px; text-align: center; }
.sla-intervals .closed { font-size: 12px; color: var(--muted); min-width: 50px; }
.sla-intervals .field-problem { flex-basis: 100%; }
.sla-copy { display: flex; gap: 8px; flex-wrap: wrap; }
.sla-holidays { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.sla-form .field .sla-holidays input[type=date] { width: auto; padding: 5px 8px; border: 1px solid var(--line); border-radius: 6px; font: inherit; }
.sla-checks { display: flex; flex-wrap: wrap; gap: 6px 16px; font-size: 13px; }
.sla-checks label, .sla-form label.check { display: inline-flex; gap: 6px; align-items: center; font-size: 13px; }
.sla-targets { border-collapse: collapse; width: 100%; max-width: 640px; }
.sla-targets th { text-align: left; font-size: 11px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); padding: 4px 6px; font-weight: 600; }
.sla-targets td { padding: 4px 6px; vertical-align: top; }
.sla-targets td input { width: 100%; max-width: 130px; padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px; font: inherit; }
.sla-targets td .field-problem { display: block; max-width: 170px; }
.sla-form input.invalid, .sla-targets input.invalid { border-color: var(--danger); }
.sla-form .icon { border: 0; background: none; cursor: pointer; color: var(--muted); font-size: 14px; padding: 0 4px; line-height: 1; }
.sla-form .icon:hover { color: var(--danger); }`;

/** `#/settings/sla`: business calendars and SLA policies (admins edit; supervisors look). */
export function SlaSettings({ canEdit }: { canEdit: boolean }) {
  const [calendars, setCalendars] = useState<SlaCalendarView[] | null>(null);
  const [policies, setPolicies] = useState<SlaPolicyView[] | null>(null);
  const [builtIn, setBuiltIn] = useState<Targets | null>(null);
  const [calendar, setCalendar] = useState<SlaCalendarView | 'new' | null>(null);
  const [policy, setPolicy] = useState<SlaPolicyView | 'new' | null>(null);
  const [confirming, setConfirming] = useState('');
  const [error, setError] = useState('');
  const s = useStore();

  const load = () =>
    Promise.all([slaApi.calendars(), slaApi.policies()]).then(
      ([c, p]) => {
        setCalendars(c.items);
        setPolicies(p.items);
        setBuiltIn(p.builtIn.targets);
      },
      (err: unknown) => setError(errorText(err)),
    );
  useEffect(() => void load(), []);

  const remove = async (kind: 'calendar' | 'policy', id: string, name: string) => {
    setConfirming('');
    try {
      const r = kind === 'calendar' ? await slaApi.deleteCalendar(id) : await slaApi.deletePolicy(id);
      store.flash(r.reevaluated ? `${st('deleted', { name })} · ${st('reevaluated', { count: r.reevaluated })}` : st('deleted', { name }));
    } catch (err) {
      setError(errorText(err));
    }
    await load();
  };
  const saved = (reevaluated: number) => {
    store.flash(reevaluated ? st('savedReevaluated', { count: reevaluated }) : st('saved'));
    setCalendar(null);
    setPolicy(null);
    void load();
  };
  const depName = (id: string) => s.departments.find((d) => d.id === id)?.name ?? id;
  const inboxName = (id: string) => s.inboxes.find((i) => i.id === id)?.name ?? id;
  const actions = (kind: 'calendar' | 'policy', item: { id: string; name: string }, edit: () => void) =>
    canEdit ? (
      <td class="row-buttons">
        {confirming === item.id ? (
          <span class="confirm" data-testid="confirm-delete">
            {st('deleteConfirm', { name: item.name })}
            <button class="btn small danger" data-testid="confirm-delete-yes" onClick={() => void remove(kind, item.id, item.name)}>
              {st('yesDelete')}
            </button>
            <button class="btn small" onClick={() => setConfirming('')}>
              {st('cancel')}
            </button>
          </span>
        ) : (
          <>
            <button class="btn small" data-testid={`edit-${kind}`} onClick={edit}>
              {st('edit')}
            </button>{' '}
            <button class="btn small danger-outline" data-testid={`delete-${kind}`} onClick={() => setConfirming(item.id)}>
              {st('delete')}
            </button>
          </>
        )}
      </td>
    ) : null;

  return (
    <section class="settings-section sla-settings" data-testid="sla-settings">
      <style>{slaCss}</style>
      <div class="settings-head">
        <h1>{st('sla')}</h1>
      </div>
      <p class="muted">{st('slaHelp')}</p>
      {canEdit ? null : <p class="muted" data-testid="sla-read-only">{st('readOnly')}</p>}
      {error ? (
        <p class="form-error" role="alert">
          {error}
        </p>
      ) : null}

      <div class="settings-card" data-testid="sla-calendars">
        <div class="card-head">
          <h2>{st('calendars')}</h2>
          {canEdit && !calendar ? (
            <button class="btn primary small" data-testid="new-calendar" onClick={() => setCalendar('new')}>
              + {st('newCalendar')}
            </button>
          ) : null}
        </div>
        <span class="muted">{st('calendarsHelp')}</span>
        {calendar ? <CalendarForm key={calendar === 'new' ? 'new' : calendar.id} calendar={calendar === 'new' ? null : calendar} others={(calendars ?? []).filter((c) => calendar === 'new' || c.id !== calendar.id)} onSaved={saved} onCancel={() => setCalendar(null)} /> : null}
        {calendars && !calendars.length ? <p class="muted">{st('noCalendars')}</p> : null}
        {calendars?.length ? (
          <table class="inbox-table" data-testid="calendar-table">
            <thead>
              <tr>
                <th>{st('name')}</th>
                <th>{st('weeklyHours')}</th>
                <th>{st('holidays')}</th>
                <th>{st('departments')}</th>
                {canEdit ? <th /> : null}
              </tr>
            </thead>
            <tbody>
              {calendars.map((c) => (
                <tr data-testid="calendar-row">
                  <td>
                    <strong>{c.name}</strong> {c.isDefault ? <span class="pill">{st('defaultBadge')}</span> : null}
                    <div class="muted">{c.timeZone}</div>
                  </td>
                  <td>{weekSummary(c.week) || st('closed')}</td>
                  <td>{c.holidays.length ? c.holidays.join(', ') : <span class="muted">—</span>}</td>
                  <td>{c.departmentIds.length ? c.departmentIds.map(depName).join(', ') : <span class="muted">—</span>}</td>
                  {actions('calendar', c, () => setCalendar(c))}
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </div>

      <div class="settings-card" data-testid="sla-policies">
        <div class="card-head">
          <h2>{st('policies')}</h2>
          {canEdit && !policy && builtIn ? (
            <button class="btn primary small" data-testid="new-policy" onClick={() => setPolicy('new')}>
              + {st('newPolicy')}
            </button>
          ) : null}
        </div>
        <span class="muted">{st('policiesHelp')}</span>
        {policy && builtIn ? <PolicyForm key={policy === 'new' ? 'new' : policy.id} policy={policy === 'new' ? null : policy} builtIn={builtIn} onSaved={saved} onCancel={() => setPolicy(null)} /> : null}
        {policies && !policies.length ? <p class="muted">{st('noPolicies')}</p> : null}
        {policies && builtIn ? (
          <>
            <table class="inbox-table" data-testid="policy-table">
              <thead>
                <tr>
                  <th>{st('name')}</th>
                  <th>{st('scope')}</th>
                  {priorities.map((p) => (
                    <th>{t(`pr_${p}` as Key)}</th>
                  ))}
                  {canEdit ? <th /> : null}
                </tr>
              </thead>
              <tbody>
                {policies.map((p) => (
                  <tr data-testid="policy-row">
                    <td>
                      <strong>{p.name}</strong>
                    </td>
                    <td>{[p.inboxId && `${st('inbox')}: ${inboxName(p.inboxId)}`, p.channel && `${st('channel')}: ${t(`ch_${p.channel}` as Key)}`, p.contactTag && `#${p.contactTag}`].filter(Boolean).join(' · ') || st('allTickets')}</td>
                    <TargetCells targets={p.targets} />
                    {actions('policy', p, () => setPolicy(p))}
                  </tr>
                ))}
                <tr class="built-in" data-testid="policy-built-in">
                  <td>{st('builtIn')}</td>
                  <td>{st('allTickets')}</td>
                  <TargetCells targets={builtIn} />
                  {canEdit ? <td /> : null}
                </tr>
              </tbody>
            </table>
            <p class="legend">
              {st('firstResponse')} · {st('nextResponse')} · {st('resolution')}
            </p>
          </>
        ) : null}
      </div>
    </section>
  );
}

function TargetCells({ targets }: { targets: Targets }) {
  return (
    <>
      {priorities.map((p) => (
        <td class="targets" title={`${st('firstResponse')} · ${st('nextResponse')} · ${st('resolution')}`}>
          {targetFields.map((f) => duration(targets[p][f])).join(' · ')}
        </td>
      ))}
    </>
  );
}

function Problem({ text, id }: { text: string | undefined; id: string }) {
  return text ? (
    <span class="field-problem" data-testid={`problem-${id}`}>
      {text}
    </span>
  ) : null;
}

/** After a refused save, the first field the server named is brought into view (the form is long). */
function useScrollToProblem(problems: Problems) {
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (Object.keys(problems).length) form.current?.querySelector('.field-problem')?.scrollIntoView({ block: 'center' });
  }, [problems]);
  return form;
}

const calendarPaths = /^(name|timeZone|week|holidays|departmentIds|isDefault)\b/;

function CalendarForm({ calendar, others, onSaved, onCancel }: { calendar: SlaCalendarView | null; others: SlaCalendarView[]; onSaved: (reevaluated: number) => void; onCancel: () => void }) {
  const s = useStore();
  const [name, setName] = useState(calendar?.name ?? '');
  const [timeZone, setTimeZone] = useState(calendar?.timeZone ?? browserTimeZone());
  const [week, setWeek] = useState<Interval[][]>(calendar?.week.map((d) => d.map((i) => ({ ...i }))) ?? blankWeek());
  const [holidays, setHolidays] = useState<string[]>(calendar?.holidays ?? []);
  const [holiday, setHoliday] = useState('');
  const [departmentIds, setDepartmentIds] = useState<string[]>(calendar?.departmentIds ?? []);
  const [isDefault, setIsDefault] = useState(calendar?.isDefault ?? false);
  const { problems, setProblems, general, busy, clear, save } = useFormSave(calendarPaths);
  const days = weekdayNames();
  const zones = timeZones();
  const formRef = useScrollToProblem(problems);

  const setDay = (d: number, intervals: Interval[]) => {
    setWeek((w) => w.map((x, i) => (i === d ? intervals : x)));
    clear(`week.${d}`);
  };
  const copyMonday = (to: number) => {
    setWeek((w) => w.map((x, i) => (i > 0 && i < to ? w[0]!.map((iv) => ({ ...iv })) : x)));
    setProblems((old) => Object.fromEntries(Object.entries(old).filter(([p]) => !p.startsWith('week.'))));
  };
  const addHoliday = () => {
    if (!holiday) return;
    setHolidays((h) => [...new Set([...h, holiday])].sort());
    setHoliday('');
    clear('holidays');
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    await save(async () => {
      const r = await slaApi.saveCalendar(calendar?.id ?? null, { name, timeZone: timeZone.trim(), week, holidays, departmentIds, isDefault });
      onSaved(r.reevaluated);
    });
  };

  return (
    <form ref={formRef} class="sla-form" data-testid="calendar-form" onSubmit={(e) => void submit(e)}>
      <h3>{calendar ? st('editCalendar') : st('newCalendar')}</h3>
      <div class="two">
        <label class="field">
          <span class="field-label">
            {st('name')} <b class="req">*</b>
          </span>
          <input name="name" required maxLength={80} value={name} class={problems.name ? 'invalid' : ''} onInput={(e) => (setName(e.currentTarget.value), clear('name'))} />
          <Problem id="name" text={problems.name} />
        </label>
        <label class="field">
          <span class="field-label">
            {st('timeZone')} <b class="req">*</b>
          </span>
          <input name="timeZone" list="sla-time-zones" required value={timeZone} class={problems.timeZone ? 'invalid' : ''} onInput={(e) => (setTimeZone(e.currentTarget.value), clear('timeZone'))} />
          <datalist id="sla-time-zones">
            {zones.map((z) => (
              <option value={z} />
            ))}
          </datalist>
          {problems.timeZone ? <Problem id="timeZone" text={problems.timeZone} /> : <span class="field-help">{st('timeZoneHelp')}</span>}
        </label>
      </div>

      <div class="field">
        <span class="field-label">{st('weeklyHours')}</span>
        <span class="field-help">{st('weeklyHoursHelp')}</span>
        <div class="sla-week" data-testid="week">
          {week.map((intervals, d) => (
            <div class="sla-day" data-testid={`day-${d}`}>
              <strong>{days[d]}</strong>
              <div class="sla-intervals">
                {intervals.length === 0 ? <span class="closed">{st('closed')}</span> : null}
                {intervals.map((iv, i) => {
                  const bad = problemsUnder(problems, `week.${d}.${i}`);
                  const edit = (k: 'from' | 'to', v: string) => setDay(d, intervals.map((x, j) => (j === i ? { ...x, [k]: v } : x)));
                  return (
                    <span class="sla-interval" data-testid="interval">
                      <input name={`week.${d}.${i}.from`} aria-label="from" placeholder="09:00" maxLength={5} value={iv.from} class={bad ? 'invalid' : ''} onInput={(e) => edit('from', e.currentTarget.value)} />–
                      <input name={`week.${d}.${i}.to`} aria-label="to" placeholder="18:00" maxLength={5} value={iv.to} class={bad ? 'invalid' : ''} onInput={(e) => edit('to', e.currentTarget.value)} />
                      <button type="button" class="icon" title={st('removeInterval')} aria-label={st('removeInterval')} onClick={() => setDay(d, intervals.filter((_, j) => j !== i))}>
                        ×
                      </button>
                    </span>
                  );
                })}
                <button type="button" class="btn small ghost" data-testid={`add-interval-${d}`} onClick={() => setDay(d, [...intervals, intervals.length ? { from: intervals.at(-1)!.to, to: '24:00' } : { from: '09:00', to: '18:00' }])}>
                  {st('addInterval')}
                </button>
                <Problem id={`week-${d}`} text={problemsUnder(problems, `week.${d}`) || undefined} />
              </div>
            </div>
          ))}
        </div>
        <div class="sla-copy">
          <button type="button" class="btn small" data-testid="copy-weekdays" onClick={() => copyMonday(5)}>
            {st('copyWeekdays')}
          </button>
          <button type="button" class="btn small" data-testid="copy-every-day" onClick={() => copyMonday(7)}>
            {st('copyEveryDay')}
          </button>
        </div>
        <Problem id="week" text={problems.week} />
      </div>

      <div class="field">
        <span class="field-label">{st('holidays')}</span>
        <span class="field-help">{st('holidaysHelp')}</span>
        <div class="sla-holidays" data-testid="holidays">
          {holidays.length ? null : <span class="muted">{st('noHolidays')}</span>}
          {holidays.map((h) => (
            <span class="chip" data-testid="holiday">
              {h}
              <button type="button" class="icon" aria-label={st('delete')} onClick={() => (setHolidays(holidays.filter((x) => x !== h)), clear('holidays'))}>
                ×
              </button>
            </span>
          ))}
          <input type="date" name="holiday" value={holiday} onInput={(e) => setHoliday(e.currentTarget.value)} />
          <button type="button" class="btn small" data-testid="add-holiday" onClick={addHoliday}>
            {st('addHoliday')}
          </button>
        </div>
        <Problem id="holidays" text={problemsUnder(problems, 'holidays') || undefined} />
      </div>

      <div class="field">
        <span class="field-label">{st('departments')}</span>
        <span class="field-help">{st('departmentsHelp')}</span>
        <div class="sla-checks" data-testid="calendar-departments">
          {s.departments.length ? null : <span class="muted">{st('noDepartments')}</span>}
          {s.departments.map((dep) => {
            const taken = others.find((c) => c.departmentIds.includes(dep.id));
            return (
              <label>
                <input
                  type="checkbox"
                  name="departmentIds"
                  value={dep.id}
                  checked={departmentIds.includes(dep.id)}
                  onChange={(e) => (setDepartmentIds(e.currentTarget.checked ? [...departmentIds, dep.id] : departmentIds.filter((x) => x !== dep.id)), clear('departmentIds'))}
                />
                {dep.name}
                {taken ? <span class="muted"> ({taken.name})</span> : null}
              </label>
            );
          })}
        </div>
        <Problem id="departmentIds" text={problemsUnder(problems, 'departmentIds') || undefined} />
      </div>

      <label class="check">
        <input type="checkbox" name="isDefault" checked={isDefault} onChange={(e) => setIsDefault(e.currentTarget.checked)} /> {st('isDefault')}
      </label>

      <div class="form-bar">
        <button class="btn primary" type="submit" disabled={busy} data-testid="save-calendar">
          {st('save')}
        </button>
        <button class="btn" type="button" onClick={onCancel}>
          {st('cancel')}
        </button>
        {general ? (
          <span class="form-error" role="alert" data-testid="calendar-error">
            {general}
          </span>
        ) : null}
      </div>
    </form>
  );
}

const policyPaths = /^(name|inboxId|channel|contactTag|targets)\b/;
type Cells = Record<string, string>;
const cellsOf = (targets: Targets): Cells => Object.fromEntries(priorities.flatMap((p) => targetFields.map((f) => [`targets.${p}.${f}`, minutesText(targets[p][f])])));

function PolicyForm({ policy, builtIn, onSaved, onCancel }: { policy: SlaPolicyView | null; builtIn: Targets; onSaved: (reevaluated: number) => void; onCancel: () => void }) {
  const s = useStore();
  const [name, setName] = useState(policy?.name ?? '');
  const [inboxId, setInboxId] = useState(policy?.inboxId ?? '');
  const [channel, setChannel] = useState(policy?.channel ?? '');
  const [contactTag, setContactTag] = useState(policy?.contactTag ?? '');
  // A new policy starts from the built-in targets.
  const [cells, setCells] = useState<Cells>(() => cellsOf(policy?.targets ?? builtIn));
  const { problems, setProblems, general, setGeneral, busy, clear, save } = useFormSave(policyPaths);
  const formRef = useScrollToProblem(problems);

  const submit = async (e: Event) => {
    e.preventDefault();
    setGeneral('');
    // Text that is no number at all is named here; numbers (even 0 or negative) are the server's to judge.
    const notNumbers = Object.entries(cells).filter(([, v]) => typeof minutesOf(v) === 'string');
    if (notNumbers.length) return setProblems(Object.fromEntries(notNumbers.map(([path]) => [path, st('notWholeNumber')])));
    const targets = Object.fromEntries(priorities.map((p) => [p, Object.fromEntries(targetFields.map((f) => [f, minutesOf(cells[`targets.${p}.${f}`] ?? '')]))]));
    await save(async () => {
      const r = await slaApi.savePolicy(policy?.id ?? null, { name, targets, inboxId: inboxId || null, channel: channel || null, contactTag: contactTag.trim() || null });
      onSaved(r.reevaluated);
    });
  };

  return (
    <form ref={formRef} class="sla-form" data-testid="policy-form" onSubmit={(e) => void submit(e)}>
      <h3>{policy ? st('editPolicy') : st('newPolicy')}</h3>
      <div class="two">
        <label class="field">
          <span class="field-label">
            {st('name')} <b class="req">*</b>
          </span>
          <input name="name" required maxLength={80} value={name} class={problems.name ? 'invalid' : ''} onInput={(e) => (setName(e.currentTarget.value), clear('name'))} />
          <Problem id="name" text={problems.name} />
        </label>
        <label class="field">
          <span class="field-label">{st('contactTag')}</span>
          <input name="contactTag" maxLength={60} value={contactTag} placeholder="vip" onInput={(e) => (setContactTag(e.currentTarget.value), clear('contactTag'))} />
          {problems.contactTag ? <Problem id="contactTag" text={problems.contactTag} /> : <span class="field-help">{st('contactTagHelp')}</span>}
        </label>
        <label class="field">
          <span class="field-label">{st('inbox')}</span>
          <select name="inboxId" value={inboxId} onChange={(e) => (setInboxId(e.currentTarget.value), clear('inboxId'))}>
            <option value="">{st('anyInbox')}</option>
            {s.inboxes.map((i) => (
              <option value={i.id}>
                {i.name} ({t(`ch_${i.kind}` as Key)})
              </option>
            ))}
          </select>
          <Problem id="inboxId" text={problems.inboxId} />
        </label>
        <label class="field">
          <span class="field-label">{st('channel')}</span>
          <select name="channel" value={channel} onChange={(e) => (setChannel(e.currentTarget.value), clear('channel'))}>
            <option value="">{st('anyChannel')}</option>
            {channels.map((c) => (
              <option value={c}>{t(`ch_${c}` as Key)}</option>
            ))}
          </select>
          <Problem id="channel" text={problems.channel} />
        </label>
      </div>

      <div class="field">
        <span class="field-label">{st('targets')}</span>
        <span class="field-help">{st('targetsHelp')}</span>
        <table class="sla-targets" data-testid="policy-targets">
          <thead>
            <tr>
              <th>{st('priority')}</th>
              {targetFields.map((f) => (
                <th>{st(targetLabel[f])}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {priorities.map((p) => (
              <tr>
                <td>
                  <span class={`prio pr-${p}`}>{t(`pr_${p}` as Key)}</span>
                </td>
                {targetFields.map((f) => {
                  const path = `targets.${p}.${f}`;
                  const bad = problemsUnder(problems, path);
                  return (
                    <td>
                      <input
                        name={path}
                        inputMode="numeric"
                        placeholder="—"
                        aria-label={`${t(`pr_${p}` as Key)} · ${st(targetLabel[f])}`}
                        value={cells[path]}
                        class={bad ? 'invalid' : ''}
                        onInput={(e) => (setCells({ ...cells, [path]: e.currentTarget.value }), clear(path))}
                      />
                      <Problem id={path} text={bad || undefined} />
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
        <Problem id="targets" text={problems.targets} />
      </div>

      <div class="form-bar">
        <button class="btn primary" type="submit" disabled={busy} data-testid="save-policy">
          {st('save')}
        </button>
        <button class="btn" type="button" onClick={onCancel}>
          {st('cancel')}
        </button>
        {general ? (
          <span class="form-error" role="alert" data-testid="policy-error">
            {general}
          </span>
        ) : null}
      </div>
    </form>
  );
}
