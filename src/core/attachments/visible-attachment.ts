import { NotFoundError } from '../errors/app-error.js';
import type { StoredAttachment } from '../models/message.js';
import type { Models } from '../models/registry.js';
import type { TicketService } from '../tickets/ticket-service.js';
import type { Viewer } from '../users/viewer.js';

/**
 * The attachment record of a blob, only if the blob belongs to a message of a ticket the viewer may see.
 * Anything else — unknown id, a blob that is no message's attachment (raw email sources), a hidden ticket —
 * is the same 404.
 */
export class VisibleAttachments {
  constructor(
    private readonly models: Models,
    private readonly tickets: TicketService,
  ) {}

  async find(viewer: Viewer, blobId: string): Promise<StoredAttachment> {
    if (!/^[0-9a-f]{24}$/i.test(blobId)) throw new NotFoundError('Attachment');
    const messages = await this.models.Message.find({ 'attachments.blobId': blobId }, { ticketId: 1, attachments: 1 })
      .limit(20)
      .lean();
    for (const m of messages) {
      const visible = await this.tickets.get(viewer, String(m.ticketId)).then(
        () => true,
        (err: unknown) => {
          if (err instanceof NotFoundError) return false;
          throw err;
        },
      );
      const attachment = m.attachments.find((a) => a.blobId === blobId);
      if (visible && attachment) return attachment;
    }
    throw new NotFoundError('Attachment');
  }
}
