import type { Attachment } from 'mailparser';

/**
 * A safe, non-empty file name for an attachment. mailparser already decodes RFC 2231
 * (`filename*=UTF-8''...`, continuations) and RFC 2047 (`=?UTF-8?B?...?=`) names;
 * this strips paths and control characters and names the unnamed parts.
 */

const EXTENSIONS: Record<string, string> = {
  'text/plain': 'txt',
  'text/html': 'html',
  'text/calendar': 'ics',
  'application/ics': 'ics',
  'text/rfc822-headers': 'txt',
  'message/rfc822': 'eml',
  'message/global': 'eml',
  'message/delivery-status': 'txt',
  'message/disposition-notification': 'txt',
  'application/pdf': 'pdf',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'application/zip': 'zip',
};

const FIXED_NAMES: Record<string, string> = {
  'text/calendar': 'invite.ics',
  'message/rfc822': 'attached-message.eml',
  'message/global': 'attached-message.eml',
  'text/rfc822-headers': 'original-headers.txt',
  'message/delivery-status': 'delivery-status.txt',
  'message/disposition-notification': 'disposition-notification.txt',
};

export function sanitizeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f]/g, '').replace(/^\.+/, '').trim();
  if (cleaned.length <= 255) return cleaned;
  const dot = cleaned.lastIndexOf('.');
  const ext = dot > 0 && cleaned.length - dot <= 16 ? cleaned.slice(dot) : '';
  return cleaned.slice(0, 255 - ext.length) + ext;
}

export function attachmentFileName(a: Pick<Attachment, 'filename' | 'contentType'>, index: number): string {
  const given = a.filename ? sanitizeFileName(a.filename) : '';
  if (given) return given;
  const type = (a.contentType || '').toLowerCase();
  const fixed = FIXED_NAMES[type];
  if (fixed) return fixed;
  const ext = EXTENSIONS[type] ?? (type.startsWith('image/') ? type.slice(6).replace(/[^a-z0-9]/g, '') || 'bin' : 'bin');
  return `attachment-${index + 1}.${ext}`;
}

/** `name.ext`, `name (2).ext`, ... so that no two attachments of a message share a name. */
export function uniqueFileName(name: string, used: Set<string>): string {
  let candidate = name;
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : '';
  for (let n = 2; used.has(candidate.toLowerCase()); n += 1) candidate = sanitizeFileName(`${stem} (${n})${ext}`);
  used.add(candidate.toLowerCase());
  return candidate;
}
