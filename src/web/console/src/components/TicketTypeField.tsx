import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { errorText } from '../error-text.ts';
import { store } from '../store.ts';
import { tt } from '../tickets-i18n.ts';
import type { TicketDetail } from '../types.ts';

/** Suggested types (free text is allowed: the API takes any short word). */
const KNOWN = ['question', 'incident', 'problem', 'task'] as const;

/** The ticket's type: picked from the suggestions or typed, saved when the field is left or Enter pressed. */
export function TicketTypeField({ id, value }: { id: string; value: string | null }) {
  const [text, setText] = useState(value ?? '');
  useEffect(() => setText(value ?? ''), [id, value]);
  const save = async (raw: string) => {
    const next = raw.trim() || null;
    if (next === (value ?? null)) return;
    try {
      const d = await api.patch<TicketDetail>(`/tickets/${id}`, { type: next });
      store.details.set(id, d);
      store.upsertTicket(d);
      void store.loadAudit(id).catch(() => undefined);
    } catch (err) {
      store.flash(errorText(err));
      setText(value ?? '');
    }
  };
  return (
    <label>
      {tt('ticketType')}
      <input
        data-testid="ticket-type"
        list="ticket-types"
        maxLength={60}
        placeholder={tt('ticketTypeNone')}
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
        onChange={(e) => void save(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') e.currentTarget.blur();
        }}
      />
      <datalist id="ticket-types">
        {KNOWN.map((k) => (
          <option value={k}>{tt(`type_${k}`)}</option>
        ))}
      </datalist>
    </label>
  );
}
