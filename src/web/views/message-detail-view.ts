import { toMessageView } from '../../core/events/views.js';
import type { Message } from '../../core/models/message.js';
import { idOrNull, isoOrNull } from './iso.js';

/**
 * A message as the agent console shows it: the realtime view plus the
 * sanitised HTML, author ids and the full delivery history. Internal notes are
 * included — agents see them; only customers never do.
 */
export function toMessageDetailView(m: Message) {
  return {
    ...toMessageView(m),
    html: m.html ?? null,
    author: { type: m.author.type, name: m.author.name ?? null, userId: idOrNull(m.author.userId), contactId: idOrNull(m.author.contactId) },
    subject: m.threading.subject ?? null,
    providerMessageId: m.providerMessageId ?? null,
    emailMessageId: m.emailMessageId ?? null,
    automated: Boolean(m.automated),
    editedAt: isoOrNull(m.editedAt),
    delivery: {
      status: m.delivery.status,
      attempts: m.delivery.attempts,
      lastError: m.delivery.lastError ?? null,
      history: m.delivery.history.map((h) => ({ status: h.status, at: h.at.toISOString(), reason: h.reason ?? null })),
    },
  };
}
