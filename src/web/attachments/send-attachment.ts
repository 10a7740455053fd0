import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import type { Core } from '../../core/create-core.js';
import type { StoredAttachment } from '../../core/models/message.js';

const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const MIME = /^[\w.+-]+\/[\w.+-]+$/;

/** RFC 6266: an ASCII fallback plus the UTF-8 name (RFC 5987). */
export function contentDisposition(kind: 'inline' | 'attachment', fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/**
 * Streams a stored attachment. Only a few image types may render inline; the
 * rest download. `nosniff` and a sandboxing CSP keep a hostile file inert.
 */
export async function sendAttachment(res: Response, core: Core, attachment: StoredAttachment): Promise<void> {
  const { size } = await core.blobs.stat(attachment.blobId);
  const declared = attachment.mimeType.toLowerCase();
  const mime = MIME.test(declared) ? declared : 'application/octet-stream';
  res.status(200);
  res.setHeader('Content-Type', mime);
  res.setHeader('Content-Length', String(size));
  res.setHeader('Content-Disposition', contentDisposition(INLINE_TYPES.has(mime) ? 'inline' : 'attachment', attachment.fileName));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
  res.setHeader('Cache-Control', 'private, no-store');
  await pipeline(core.blobs.stream(attachment.blobId), res);
}
