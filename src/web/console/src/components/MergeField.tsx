import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { t } from '../i18n.ts';
import { store } from '../store.ts';
import { tt } from '../tickets-i18n.ts';
import { customerOf, ticketByNumber } from '../ticket-by-number.ts';
import type { TicketDetail } from '../types.ts';


/**
 * "Merge into…": the agent types a ticket number, sees what will happen (this ticket is closed into the other,
 * both histories kept) and — when the two tickets belong to different customers — a warning naming both,
 * then confirms. Nothing is merged before the confirmation.
 */
export function MergeField({ ticket }: { ticket: TicketDetail }) {
  const [input, setInput] = useState('');
  const [target, setTarget] = useState<TicketDetail | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setInput('');
    setTarget(null);
  }, [ticket.id]);

  const find = async () => {
    try {
      const found = await ticketByNumber(input, ticket.id, { notFound: (number) => tt('mergeNotFound', { number }), self: tt('mergeSelf') });
      if (found) setTarget(found);
    } catch (err) {
      store.flash(err instanceof Error ? err.message : String(err));
    }
  };

  const confirm = async () => {
    if (!target) return;
    setBusy(true);
    try {
      await api.post(`/tickets/${ticket.id}/merge`, { targetId: target.id });
      store.flash(t('mergeDone', { number: target.number }));
      setTarget(null);
      setInput('');
      location.hash = `#/t/${target.id}`;
    } catch (err) {
      store.flash(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  const otherCustomer = target !== null && target.contactId !== ticket.contactId;
  return (
    <div>
      <span class="label">{t('merge')}</span>
      <div class="row">
        <input
          data-testid="merge-into"
          placeholder={t('mergeHint')}
          value={input}
          onInput={(e) => {
            setInput(e.currentTarget.value);
            setTarget(null);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter') void find();
          }}
        />
        <button class="btn small" data-testid="merge-find" disabled={!input.trim()} onClick={() => void find()}>
          OK
        </button>
      </div>
      {target ? (
        <div class={`merge-confirm ${otherCustomer ? 'warn' : ''}`} data-testid="merge-confirm" role="alertdialog">
          <p>{tt('mergeQuestion', { from: ticket.number, to: target.number, subject: target.subject })}</p>
          {otherCustomer ? (
            <p class="merge-warning" data-testid="merge-different-customers">
              ⚠ {tt('mergeDifferentCustomers', { a: customerOf(ticket), b: customerOf(target) })}
            </p>
          ) : null}
          <div class="row">
            <button class="btn small warn" data-testid="merge-confirm-button" disabled={busy} onClick={() => void confirm()}>
              {tt('mergeConfirm')}
            </button>
            <button class="btn small" data-testid="merge-cancel" onClick={() => setTarget(null)}>
              {tt('mergeCancel')}
            </button>
          </div>
        </div>
      ) : null}
    </div>
  );
}
