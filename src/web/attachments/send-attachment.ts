import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import { attachmentHeaders } from '../../core/attachments/attachment-headers.js';
import type { Core } from '../../core/create-core.js';
import type { StoredAttachment } from '../../core/models/message.js';

/** Streams a stored attachment with the headers every attachment download gets (`attachment-headers.ts`). */
export async function sendAttachment(res: Response, core: Core, attachment: StoredAttachment): Promise<void> {
  const { size } = await core.blobs.stat(attachment.blobId);
  res.status(200);
  // setHeader, not res.set: express would add a charset to text types that nobody checked.
  for (const [name, value] of Object.entries(attachmentHeaders(attachment, size))) res.setHeader(name, value);
  await pipeline(core.blobs.stream(attachment.blobId), res);
}
