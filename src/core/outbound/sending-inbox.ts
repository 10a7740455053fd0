import type { Types } from 'mongoose';
import type { Models } from '../models/registry.js';

/**
 * Why a reply cannot go out through an inbox: disabled by an admin (its channel is stopped in every process),
 * or gone. Without this check a reply there was accepted, then tried against a channel that no process runs
 * until its attempts ran out — minutes later, as "the channel of this inbox is not running".
 */
export interface InboxRefusal {
  code: 'INBOX_DISABLED' | 'INBOX_GONE';
  reason: string;
}

export async function sendingInboxRefusal(models: Models, inboxId: Types.ObjectId | string): Promise<InboxRefusal | undefined> {
  const inbox = await models.Inbox.findById(inboxId, { name: 1, enabled: 1 }).lean();
  if (!inbox) return { code: 'INBOX_GONE', reason: 'The inbox of this conversation no longer exists' };
  if (!inbox.enabled) return { code: 'INBOX_DISABLED', reason: `Inbox "${inbox.name}" is disabled: enable it, then send or retry the reply` };
  return undefined;
}
