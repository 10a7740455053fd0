import type { Attachment } from 'mailparser';
import { sanitizeFileName } from '../../core/attachments/file-name.js';

/**
 * A safe, non-empty file name for an attachment. mailparser already decodes RFC 2231
 * (`filename*=UTF-8''...`, continuations) and RFC 2047 (`=?UTF-8?B?...?=`) names;
 * the shared rule (`src/core/attachments/file-name.ts`) strips paths and control characters, and this names
 * the unnamed parts.
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
  'image/svg+xml': 'svg',
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

export function attachmentFileName(a: Pick<Attachment, 'filename' | 'contentType'>, index: number): string {
  const given = a.filename ? sanitizeFileName(a.filename) : '';
  if (given) return given;
  const type = (a.contentType || '').toLowerCase();
  const fixed = FIXED_NAMES[type];
  if (fixed) return fixed;
  const ext = EXTENSIONS[type] ?? (type.startsWith('image/') ? type.slice(6).replace(/[^a-z0-9]/g, '') || 'bin' : 'bin');
  return `attachment-${index + 1}.${ext}`;
}
