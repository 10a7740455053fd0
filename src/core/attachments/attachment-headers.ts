/**
 * How a stored attachment is served, to agents (`/api/attachments/:blobId`) and to web chat visitors
 * (`/chat/api/attachments/:messageId/:index`) alike: only a few image types may render inline; everything
 * else — HTML, SVG, scripts, executables — downloads. `nosniff` and a sandboxing CSP keep a hostile file
 * inert even if a browser were to render it.
 */
const INLINE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const MIME = /^[\w.+-]+\/[\w.+-]+$/;

/** RFC 6266: an ASCII fallback plus the UTF-8 name (RFC 5987). */
export function contentDisposition(kind: 'inline' | 'attachment', fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** The response headers of one attachment of `size` bytes. */
export function attachmentHeaders(attachment: { fileName: string; mimeType: string }, size: number): Record<string, string> {
  const declared = attachment.mimeType.toLowerCase();
  const mime = MIME.test(declared) ? declared : 'application/octet-stream';
  return {
    'Content-Type': mime,
    'Content-Length': String(size),
    'Content-Disposition': contentDisposition(INLINE_TYPES.has(mime) ? 'inline' : 'attachment', attachment.fileName),
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; sandbox",
    'Cache-Control': 'private, no-store',
  };
}
