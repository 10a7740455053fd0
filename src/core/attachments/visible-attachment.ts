import { NotFoundError } from '../errors/app-error.js';
import { inVisibleThread } from '../tickets/visible-thread.js';
import type { MessageKeys } from '../messages/message-keys.js';
import type { Message, StoredAttachment } from '../models/message.js';
import type { Models } from '../models/registry.js';
import type { TicketService } from '../tickets/ticket-service.js';
import type { Viewer } from '../users/viewer.js';

/**
 * The attachment record of a blob, only if the blob belongs to a message of a ticket the viewer may see —
 * the message's own, or one it was merged into (whose thread shows the merged ticket's messages).
 * Anything else — unknown id, a blob that is no message's attachment (raw email sources), a hidden ticket —
 * is the same 404.
 */
export class VisibleAttachments {
  constructor(
    private readonly models: Models,
    private readonly tickets: TicketService,
    private readonly keys: MessageKeys,
  ) {}

  async find(viewer: Viewer, blobId: string): Promise<StoredAttachment> {
    if (!/^[0-9a-f]{24}$/i.test(blobId)) throw new NotFoundError('Attachment');
    // The message its key names (two `_id` reads); only when that one is hidden from the viewer, any other
    // message carrying the same blob (the query, which reads every message on the embedded database).
    const keyed = await this.keys.byBlob(blobId);
    if (!keyed) throw new NotFoundError('Attachment');
    const first = await this.visibleIn(viewer, keyed, blobId);
    if (first) return first;
    const messages = await this.models.Message.find({ 'attachments.blobId': blobId, _id: { $ne: keyed._id } }, { ticketId: 1, attachments: 1 })
      .limit(20)
      .lean();
    for (const m of messages) {
      const found = await this.visibleIn(viewer, m, blobId);
      if (found) return found;
    }
    throw new NotFoundError('Attachment');
  }

  private async visibleIn(viewer: Viewer, m: Pick<Message, 'ticketId' | 'attachments'>, blobId: string): Promise<StoredAttachment | undefined> {
    const attachment = m.attachments.find((a) => a.blobId === blobId);
    if (!attachment) return undefined;
    return (await inVisibleThread(this.models, this.tickets, viewer, String(m.ticketId))) ? attachment : undefined;
  }
}
