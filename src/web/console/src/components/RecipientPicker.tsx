import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { t, type Key } from '../i18n.ts';
import { rt } from '../recipients-i18n.ts';
import type { Message, TicketDetail } from '../types.ts';

/** GET /api/tickets/:id/recipients (src/web/views/recipient-view.ts). */
export interface Recipient {
  id: string;
  ticketNumber: number;
  own: boolean;
  contactId: string;
  name: string;
  channel: string;
  inboxId: string;
  address: string;
}
export interface Recipients {
  items: Recipient[];
  defaultId: string;
}

const channelName = (channel: string) => t(`ch_${channel}` as Key);

/**
 * Who a reply on this ticket can go to. Only a ticket with tickets merged into it can have several (read then),
 * and the default follows the customer who wrote last, so it is read again when a message arrives.
 */
export function useRecipients(ticket: TicketDetail | undefined, threadSize: number): Recipients | null {
  const [recipients, setRecipients] = useState<(Recipients & { ticketId: string }) | null>(null);
  const id = ticket?.id;
  const merged = ticket && !ticket.mergedInto ? ticket.mergedTicketIds.length : 0;
  useEffect(() => {
    if (!id || !merged) return void setRecipients(null);
    let live = true;
    api
      .get<Recipients>(`/tickets/${id}/recipients`)
      .then((r) => live && setRecipients({ ...r, ticketId: id }))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [id, merged, threadSize]);
  // Never another ticket's list while the next one loads (a reply would name a recipient this ticket lacks).
  return recipients && recipients.ticketId === id && merged && recipients.items.length > 1 ? recipients : null;
}

/** "To Ana" on a reply of a ticket with several customers (absent `recipientId`: the ticket's own). */
export function sentToLabel(m: Message, ticketId: string, recipients: Recipients | null): string | undefined {
  if (!recipients || m.direction !== 'outbound' || m.kind !== 'message') return undefined;
  const r = recipients.items.find((x) => x.id === (m.recipientId ?? ticketId));
  return r ? rt('sentTo', { name: r.name }) : undefined;
}

/** The composer's "To" picker: name, channel and address of each customer; the default is marked. */
export function RecipientPicker({ recipients, value, onChange }: { recipients: Recipients; value: string; onChange(id: string): void }) {
  return (
    <label class="recipient-picker" title={rt('recipientHint')}>
      <span class="label">{rt('replyTo')}</span>
      <select data-testid="reply-recipient" value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {recipients.items.map((r) => (
          <option value={r.id} data-channel={r.channel}>
            {r.name} · {channelName(r.channel)}
            {r.address ? ` (${r.address})` : ''}
            {r.own ? '' : ` — ${rt('mergedFrom', { number: r.ticketNumber })}`}
            {r.id === recipients.defaultId ? ` · ${rt('wroteLast')}` : ''}
          </option>
        ))}
      </select>
    </label>
  );
}
