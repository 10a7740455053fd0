import { checkAttachments, MAX_ATTACHMENTS_PER_MESSAGE, type AttachmentLimits } from '../../core/attachments/attachment-limits.js';
import { sanitizeFileName, uniqueFileName } from '../../core/attachments/file-name.js';
import { sniffMimeType } from '../../core/attachments/sniff-type.js';
import type { InboundAttachment } from '../../core/domain/inbound-event.js';
import { ValidationError } from '../../core/errors/app-error.js';
import { VisitorUploadFieldsSchema, type VisitorUploadFields } from './mapper.js';

/** Names for a file sent without one, by its sniffed type. */
const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
};

const FIELDS = new Set(['clientMessageId', 'text', 'name', 'email']);
/** Parts an acceptable upload can have: every file it may carry and each field once. */
const MAX_PARTS = MAX_ATTACHMENTS_PER_MESSAGE + FIELDS.size;

/** A part's headers: a browser sends ~200 bytes (a long file name, a few KB). */
const MAX_PART_HEADER_BYTES = 16 * 1024;
const HEADERS_END = Buffer.from('\r\n\r\n');

/**
 * What makes the multipart parser slow, found from the part delimiters without parsing: more parts than an
 * upload can have (40 MB of tiny parts took the parser 80 s of the event loop and 1 GB, all before the count
 * of files could be checked) or a part with megabytes of headers (20 MB: 4 s). Null: neither.
 */
function costlyParts(body: Buffer, contentType: string): string | null {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  if (!boundary) return null;
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  let count = 0;
  for (let at = body.indexOf(delimiter); at >= 0; at = body.indexOf(delimiter, at + delimiter.length)) {
    count += 1;
    // The last delimiter closes the body; it starts no part.
    if (count - 1 > MAX_PARTS) return `Too many parts in the upload (at most ${MAX_ATTACHMENTS_PER_MESSAGE} files and the message fields)`;
    // Only the next few KB are looked at: the headers end there, or the next delimiter comes first (a closing one).
    const window = body.subarray(at + delimiter.length, at + delimiter.length + MAX_PART_HEADER_BYTES);
    if (window.indexOf(HEADERS_END) < 0 && window.indexOf(delimiter) < 0 && window.length === MAX_PART_HEADER_BYTES)
      return `A part's headers exceed ${MAX_PART_HEADER_BYTES} bytes`;
  }
  return null;
}

/**
 * A visitor's upload (a multipart/form-data body already read within its size limit) → the message fields
 * and its attachments, under the rules every channel shares (`src/core/attachments/`): the count, empty
 * files and the configured sizes (`checkAttachments`), the name made safe (`sanitizeFileName`, unique on
 * the message), the type read from the bytes (`sniffMimeType`) — the type the browser declared is ignored.
 * Files are the parts named `file`; any other part is refused (400), as a field twice is.
 */
export async function readVisitorUpload(
  body: Buffer,
  contentType: string,
  limits: AttachmentLimits,
): Promise<{ fields: VisitorUploadFields; attachments: InboundAttachment[] }> {
  const costly = costlyParts(body, contentType);
  if (costly) throw new ValidationError(costly, [{ path: 'file', message: costly }]);
  let form: FormData;
  try {
    form = await new Response(body, {
      headers: { 'content-type': contentType },
    }).formData();
  } catch {
    throw new ValidationError('The upload is not a readable multipart/form-data body');
  }
  const raw: Record<string, string> = {};
  const files: File[] = [];
  for (const [name, value] of form) {
    if (typeof value !== 'string' && name === 'file') files.push(value);
    else if (typeof value === 'string' && FIELDS.has(name) && !(name in raw)) raw[name] = value;
    else throw new ValidationError('Unexpected part in the upload', [{ path: name, message: 'not a field of an upload' }]);
  }
  const parsed = VisitorUploadFieldsSchema.safeParse({
    ...raw,
    ...(raw.email === '' ? { email: undefined } : {}),
    ...(raw.name === '' ? { name: undefined } : {}),
  });
  if (!parsed.success)
    throw new ValidationError(
      'Invalid upload',
      parsed.error.issues.map((i) => ({
        path: i.path.join('.'),
        message: i.message,
      })),
    );
  if (!files.length) throw new ValidationError('Attach at least one file', [{ path: 'file', message: 'no file in the upload' }]);
  checkAttachments(
    files.map((f) => ({ fileName: f.name, size: f.size })),
    limits,
    'file',
  );

  const used = new Set<string>();
  const attachments: InboundAttachment[] = [];
  for (const [i, file] of files.entries()) {
    const bytes = Buffer.from(await file.arrayBuffer());
    const given = sanitizeFileName(file.name);
    const mimeType = sniffMimeType(bytes, given);
    const fileName = uniqueFileName(given || `attachment-${i + 1}.${EXTENSIONS[mimeType] ?? 'bin'}`, used);
    attachments.push({
      fileName,
      mimeType,
      size: bytes.length,
      contentBase64: bytes.toString('base64'),
    });
  }
  return { fields: parsed.data, attachments };
}
