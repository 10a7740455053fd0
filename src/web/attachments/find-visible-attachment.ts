import type { Core } from '../../core/create-core.js';
import { NotFoundError } from '../../core/errors/app-error.js';
import type { StoredAttachment } from '../../core/models/message.js';
import type { Viewer } from '../../core/users/viewer.js';

/**
 * The attachment record of a blob, only if the blob belongs to a message of a
 * ticket the viewer may see. Anything else — unknown id, a blob that is no
 * message's attachment (raw email sources), a hidden ticket — is the same 404.
 */
export async function findVisibleAttachment(core: Core, viewer: Viewer, blobId: string): Promise<StoredAttachment> {
  if (!/^[0-9a-f]{24}$/i.test(blobId)) throw new NotFoundError('Attachment');
  const messages = await core.models.Message.find({ 'attachments.blobId': blobId }, { ticketId: 1, attachments: 1 }).limit(20).lean();
  for (const m of messages) {
    const visible = await core.tickets.get(viewer, String(m.ticketId)).then(
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
