import { AppError, ValidationError } from '../errors/app-error.js';

/**
 * The attachment limits every way in shares: at most this many files on one message (an email's further
 * parts are dropped, a web chat upload with more is refused), each at most `MAX_ATTACHMENT_BYTES` and all
 * together at most `MAX_MESSAGE_ATTACHMENTS_BYTES` (configuration, `config.limits`).
 */
export const MAX_ATTACHMENTS_PER_MESSAGE = 100;

export interface AttachmentLimits {
  maxAttachmentBytes: number;
  maxMessageAttachmentsBytes: number;
}

/**
 * Refuses files an agent or a visitor sends that break the limits: none given when one is required or more
 * than the count (VALIDATION_FAILED), an empty file (VALIDATION_FAILED: nothing to show), a file or the sum
 * above the configured bytes (ATTACHMENT_TOO_LARGE). `path` names the field in the problem.
 */
export function checkAttachments(files: ReadonlyArray<{ fileName: string; size: number }>, limits: AttachmentLimits, path = 'attachments'): void {
  if (files.length > MAX_ATTACHMENTS_PER_MESSAGE) {
    throw new ValidationError('Too many attachments', [{ path, message: `at most ${MAX_ATTACHMENTS_PER_MESSAGE} files per message` }]);
  }
  files.forEach((a, i) => {
    if (a.size === 0) throw new ValidationError('Empty attachment', [{ path: `${path}.${i}`, message: `${a.fileName} is empty (0 bytes)` }]);
    if (a.size > limits.maxAttachmentBytes) throw tooLarge(`${a.fileName} is larger than ${limits.maxAttachmentBytes} bytes`, limits);
  });
  const total = files.reduce((n, a) => n + a.size, 0);
  if (total > limits.maxMessageAttachmentsBytes) throw tooLarge(`Attachments exceed ${limits.maxMessageAttachmentsBytes} bytes in total`, limits);
}

/** ATTACHMENT_TOO_LARGE with the limits in its details, so a client can say what would fit. */
export function tooLarge(message: string, limits: AttachmentLimits): AppError {
  return new AppError('ATTACHMENT_TOO_LARGE', message, { maxAttachmentBytes: limits.maxAttachmentBytes, maxMessageAttachmentsBytes: limits.maxMessageAttachmentsBytes });
}
