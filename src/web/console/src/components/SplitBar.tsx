import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { st } from '../split-i18n.ts';
import { store } from '../store.ts';
import { customerOf, ticketByNumber } from '../ticket-by-number.ts';
import type { TicketDetail } from '../types.ts';


/**
 * "Move messages": while the agent ticks messages in the thread, this bar says how many and where they can go —
 * a new ticket, or an open ticket found by its number — and asks once more before anything moves (naming the
 * other customer when the target is someone else's). The server checks everything again
 * (`POST /api/tickets/:id/split`); after the move the console opens the ticket the messages went to.
 */
export function SplitBar({ ticket, selected, onClose }: { ticket: TicketDetail; selected: string[]; onClose: () => void }) {
  const [input, setInput] = useState('');
  // null: nothing to confirm; 'new': a new ticket; otherwise the ticket found by number.
  const [target, setTarget] = useState<TicketDetail | 'new' | null>(null);
  const [busy, setBusy] = useState(false);

  const find = async () => {
    try {
      const found = await ticketByNumber(input, ticket.id, { openOnly: true, notFound: (number) => st('splitNotFound', { number }), self: st('splitSelf') });
      if (found) setTarget(found);
    } catch (err) {
      store.flash(err instanceof Error ? err.message : String(err));
    }
  };

  const confirm = async () => {
    if (!target) return;
    setBusy(true);
    try {
      const body = { messageIds: selected, ...(target !== 'new' ? { targetTicketId: target.id } : {}) };
      const moved = await api.post<TicketDetail>(`/tickets/${ticket.id}/split`, body);
      store.flash(st('splitDone', { count: selected.length, number: moved.number }));
      onClose();
      location.hash = `#/t/${moved.id}`;
      // The source's thread, should the agent go back (the live `split_out` event does the same for others).
      void store.reloadThread(ticket.id).catch(() => undefined);
    } catch (err) {
      store.flash(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const otherCustomer = target !== null && target !== 'new' && target.contactId !== ticket.contactId;
  return (
    <div class="split-bar" data-testid="split-bar">
      <div class="row">
        <strong data-testid="split-count">{selected.length ? st('splitSelected', { count: selected.length }) : st('splitHint')}</strong>
        <span class="spacer" />
        <button class="btn small" data-testid="split-new" disabled={!selected.length} onClick={() => setTarget('new')}>
          {st('splitToNew')}
        </button>
        <input
          data-testid="split-number"
          placeholder={st('splitToTicketHint')}
          value={input}
          onInput={(e) => {
            setInput(e.currentTarget.value);
            setTarget(null);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') void find();
          }}
        />
        <button class="btn small" data-testid="split-find" disabled={!input.trim() || !selected.length} onClick={() => void find()}>
          {st('splitFind')}
        </button>
        <button class="btn small" data-testid="split-close" onClick={onClose}>
          {st('splitCancel')}
        </button>
      </div>
      {target ? (
        <div class={`merge-confirm ${otherCustomer ? 'warn' : ''}`} data-testid="split-confirm" role="alertdialog">
          <p>
            {target === 'new'
              ? st('splitQuestionNew', { count: selected.length, from: ticket.number })
              : st('splitQuestionTo', { count: selected.length, from: ticket.number, to: target.number, subject: target.subject })}
          </p>
          <p class="muted">{st('splitConversationNote')}</p>
          {otherCustomer ? (
            <p class="merge-warning" data-testid="split-different-customers">
              ⚠ {st('splitDifferentCustomers', { to: target.number, a: customerOf(ticket), b: customerOf(target) })}
            </p>
          ) : null}
          <div class="row">
            <button class="btn small warn" data-testid="split-confirm-button" disabled={busy} onClick={() => void confirm()}>
              {st('splitConfirm')}
            </button>
            <button class="btn small" data-testid="split-cancel" onClick={() => setTarget(null)}>
              {st('splitCancel')}
            </button>
          </div>
        </div>
      ) : null}
    </div>
  );
}
