import type { ContactResolver } from '../../contacts/contact-resolver.js';
import { identityKeysFor } from '../../contacts/identity-key.js';
import type { ChannelKind } from '../../domain/channel-kind.js';
import type { MessageReceived } from '../../domain/inbound-event.js';
import type { Contact } from '../../models/contact.js';
import type { Inbox } from '../../models/inbox.js';
import type { PointerLookup, TicketPlacement } from '../../threading/ticket-placement.js';

/** Channels whose conversation is the customer (per inbox): a chat, a phone number, a visitor. */
const CUSTOMER_IS_CONVERSATION: ReadonlySet<ChannelKind> = new Set(['webchat', 'sms', 'whatsapp', 'telegram', 'messenger']);

export interface ResolvedSender {
  contact: Contact;
  /** The conversation's pointer, looked up beside the contact: hand it to placement. */
  pointer: PointerLookup;
}

/**
 * Step 1 of a message: who wrote it (the contact, by the sender's identity keys). The conversation's
 * pointer is looked up at the same time, for the next step: independent reads side by side, since each
 * is a round trip and under load every one waits in line.
 */
export async function resolveSender(
  contacts: ContactResolver,
  placement: TicketPlacement,
  event: MessageReceived,
  inbox: Inbox,
): Promise<ResolvedSender> {
  const keys = identityKeysFor(inbox.kind, event.sender);
  // A chat conversation (one per customer and inbox) nobody here has seen is almost always a new
  // customer; a new email thread or call often comes from a known one. Only with a single identity key:
  // a second one (an email the visitor typed) may name a known customer, whom the message must join.
  const probablyNew = keys.length === 1 && CUSTOMER_IS_CONVERSATION.has(inbox.kind) && placement.claimsConversation(event);
  const [contact, pointer] = await Promise.all([
    contacts.resolve(
      keys,
      {
        ...(event.sender.displayName ? { name: event.sender.displayName } : {}),
        ...(event.sender.email ? { email: event.sender.email.toLowerCase() } : {}),
        ...(event.sender.phone ? { phone: event.sender.phone } : {}),
        ...(event.sender.avatarUrl ? { avatarUrl: event.sender.avatarUrl } : {}),
        ...(event.sender.unverifiedEmail ? { unverifiedEmail: event.sender.unverifiedEmail.toLowerCase() } : {}),
      },
      { probablyNew },
    ),
    placement.lookupPointer(event),
  ]);
  return { contact, pointer };
}
