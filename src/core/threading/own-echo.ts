import type { ChannelKind } from '../domain/channel-kind.js';
import type { MessageReceived } from '../domain/inbound-event.js';
import type { Inbox } from '../models/inbox.js';
import type { Message } from '../models/message.js';
import type { MessageKeys } from '../messages/message-keys.js';
import { ticketIdFromOurMessageId } from './message-id.js';

/**
 * Platforms that report what our own account sent as incoming traffic
 * (WhatsApp Web `fromMe`, Messenger `is_echo`). Only these need the lookup for
 * a stored outbound message (by its keys: `messages/message-keys.ts`); a web
 * chat visitor, an SMS or a Telegram user cannot send our messages. Email has
 * its own check by our signed Message-ID.
 */
const ECHOING_KINDS: ReadonlySet<ChannelKind> = new Set(['whatsapp', 'messenger']);

/**
 * A message we sent ourselves, seen again inbound (WhatsApp `fromMe`,
 * Messenger `is_echo`, our mail forwarded back by a customer's rule): it
 * matches a stored outbound message of this inbox and must not be stored twice.
 * Returns that stored message, or null when the message is not our own.
 */
export async function findOwnEcho(keys: MessageKeys, secret: string, event: MessageReceived, inbox: Inbox): Promise<Message | null> {
  if (inbox.kind === 'email') {
    // Our Message-IDs are signed: only a mail carrying one of them can be our own.
    const id = event.threading.messageId;
    if (!id || !ticketIdFromOurMessageId(secret, id)) return null;
    return keys.inInbox(inbox._id, id, outbound);
  }
  if (!ECHOING_KINDS.has(inbox.kind)) return null;
  const ids = [event.providerMessageId, event.threading.messageId].filter((v): v is string => Boolean(v));
  if (ids.length === 0) return null;
  for (const id of new Set(ids)) {
    const ours = await keys.inInbox(inbox._id, id, outbound);
    if (ours) return ours;
  }
  return null;
}

const outbound = (m: Message) => m.direction === 'outbound';
