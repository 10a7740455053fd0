import type { MessageReceived } from '../../domain/inbound-event.js';

/** The email addresses a message involves (sender and copies), trimmed, lower-case, once each. */
export function participantsOf(event: MessageReceived): string[] {
  const list = [...(event.threading.participants ?? []), ...(event.sender.email ? [event.sender.email] : [])];
  return [...new Set(list.map((p) => p.trim().toLowerCase()).filter(Boolean))];
}
