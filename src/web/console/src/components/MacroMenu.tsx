import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { newClientMessageId } from '../client-message-id.ts';
import { errorText } from '../error-text.ts';
import { at } from '../automation-i18n.ts';
import type { Macro } from '../macros.ts';
import { store } from '../store.ts';
import type { TicketDetail } from '../types.ts';

/** The ticket view's macro menu: one pick runs the macro (reply + changes) on this ticket. */
export function MacroMenu({ ticketId }: { ticketId: string }) {
  const [macros, setMacros] = useState<Macro[]>([]);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api
      .get<{ items: Macro[] }>('/macros')
      .then((r) => setMacros(r.items))
      .catch(() => undefined);
  }, []);
  if (!macros.length) return null;

  const run = async (id: string) => {
    const macro = macros.find((m) => m.id === id);
    if (!macro) return;
    setBusy(true);
    try {
      // One key per pick: a request the network resends sends the macro's reply once.
      const r = await api.post<{ ticket: TicketDetail }>(`/tickets/${ticketId}/macros/${id}`, { clientMessageId: newClientMessageId() });
      store.details.set(ticketId, r.ticket);
      store.upsertTicket(r.ticket);
      void store.loadAudit(ticketId).catch(() => undefined);
      store.flash(at('macroApplied', { name: macro.name }));
    } catch (err) {
      store.flash(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <select
      class="macro-menu"
      data-testid="macro-menu"
      aria-label={at('macroApply')}
      disabled={busy}
      value=""
      onChange={(e) => {
        const id = e.currentTarget.value;
        e.currentTarget.value = '';
        if (id) void run(id);
      }}
    >
      <option value="">⚡ {at('macroMenu')}…</option>
      {macros.map((m) => (
        <option value={m.id}>{m.name}</option>
      ))}
    </select>
  );
}
