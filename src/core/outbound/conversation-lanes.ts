import type { Types } from 'mongoose';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import type { Message } from '../models/message.js';
import type { Models } from '../models/registry.js';

export type DeliveryOrder = NonNullable<Message['order']>;

/**
 * The lane of a customer conversation: what the customer reads as one stream (a chat, a phone number, an email
 * address) on one inbox. Replies of two tickets of the same customer share it — their order matters to them too.
 */
export function laneOf(inboxId: Types.ObjectId | string, conversation: { conversationId?: string | null | undefined; handle: string }): string {
  return `${String(inboxId)}:${conversation.conversationId ?? `to:${conversation.handle}`}`;
}

/** Enough for any burst of replies accepted at once; more means something else is wrong (a head far behind). */
const MAX_PROBES = 1000;

/**
 * Gives an accepted outbound message the next place in its lane. One `_id` read (the head), one insert (the
 * slot) and one head write in the common case; when another process took the place meanwhile, the insert
 * fails on the unique `_id`, the slot is read for its message (the new one goes after it) and the next place
 * is tried.
 */
export async function takePlace(models: Pick<Models, 'OutboundLane'>, lane: string, messageId: Types.ObjectId | string): Promise<DeliveryOrder> {
  const head = await models.OutboundLane.findById(`head:${lane}`).lean();
  let seq = (head?.seq ?? 0) + 1;
  let after = head?.messageId;
  const me = String(messageId);
  for (let probe = 0; ; probe++, seq++) {
    if (probe === MAX_PROBES) throw new Error(`no free place in outbound lane ${lane} after ${MAX_PROBES} tries from ${head?.seq ?? 0}`);
    try {
      await models.OutboundLane.collection.insertOne({ _id: `${lane}#${seq}`, seq, messageId: me, at: new Date() } as never);
      break;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      after = (await models.OutboundLane.findById(`${lane}#${seq}`).lean())?.messageId;
    }
  }
  // A hint only (see the model): a lost write or a concurrent upsert's duplicate costs nothing.
  await models.OutboundLane.updateOne({ _id: `head:${lane}` }, { $set: { seq, messageId: me, at: new Date() } }, { upsert: true }).catch((err: unknown) => {
    if (!isDuplicateKeyError(err)) throw err;
  });
  return { lane, seq, ...(after && after !== me ? { after } : {}) };
}
