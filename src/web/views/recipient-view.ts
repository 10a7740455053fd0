import type { ReplyRecipient, ReplyRecipients } from '../../core/outbound/reply-recipients.js';

/** A reply's possible recipient as the composer's picker shows it (name, channel, address); no channel internals. */
export function toRecipientView(r: ReplyRecipient) {
  return {
    id: r.id,
    ticketNumber: r.ticketNumber,
    own: r.own,
    contactId: r.contactId,
    name: r.name,
    channel: r.channel,
    inboxId: r.inboxId,
    address: r.address,
  };
}

export function toRecipientsView(r: ReplyRecipients) {
  return { items: r.items.map(toRecipientView), defaultId: r.defaultId };
}
