import type { Logger } from 'pino';
import type { GridFsBlobStore } from '../attachments/blob-store.js';
import type { ChannelRegistry } from '../domain/channel-adapter.js';
import type { MessageReceived } from '../domain/inbound-event.js';
import { ChannelError } from '../errors/app-error.js';
import type { Models } from '../models/registry.js';

type Attachment = MessageReceived['attachments'][number];
/** An event that announces attachments: a message, or a later fact about one (a call's recording). */
type MediaCarrier = { inboxId: string; providerKey: string; text?: string; attachments: Attachment[] };

/** The inbox's adapter is not running in this process (starting, or the inbox is being changed): try later. */
export class MediaNotReachableError extends Error {}

/**
 * Step before placing a message: attachments a webhook announced by reference (`remoteRef`) are downloaded
 * by the inbox's adapter and stored in GridFS, then the stored event is rewritten with their blob ids, so a
 * retry never downloads twice. A retryable failure fails the run (the ingest retries it); a permanent one
 * (too large, gone at the platform) keeps the message and says in its text which file is missing and why.
 */
export class RemoteMediaFetcher {
  constructor(
    private readonly models: Models,
    private readonly channels: ChannelRegistry,
    private readonly blobs: GridFsBlobStore,
    private readonly limits: { maxAttachmentBytes: number; maxMessageAttachmentsBytes: number },
    private readonly logger: Logger,
  ) {}

  async resolve<E extends MediaCarrier>(event: E): Promise<E> {
    if (!event.attachments.some((a) => a.remoteRef && !a.blobId)) return event;
    const adapter = this.channels.adapterFor(event.inboxId);
    if (!adapter?.fetchMedia) throw new MediaNotReachableError(`inbox ${event.inboxId} has no running adapter to fetch media`);
    const attachments: Attachment[] = [];
    const missing: string[] = [];
    let total = event.attachments.reduce((sum, a) => sum + (a.blobId ? a.size : 0), 0);
    for (const a of event.attachments) {
      if (!a.remoteRef || a.blobId) {
        attachments.push(a);
        continue;
      }
      const room = Math.min(this.limits.maxAttachmentBytes, this.limits.maxMessageAttachmentsBytes - total);
      try {
        if (room <= 0) throw new ChannelError('MEDIA_TOO_LARGE', 'over the size limit of one message', false);
        const media = await adapter.fetchMedia({ remoteRef: a.remoteRef, fileName: a.fileName, mimeType: a.mimeType }, room);
        if (media.content.length > room) throw new ChannelError('MEDIA_TOO_LARGE', 'over the size limit', false);
        const fileName = media.fileName ?? a.fileName;
        const mimeType = media.mimeType ?? a.mimeType;
        const blobId = await this.blobs.put(fileName, mimeType, media.content);
        total += media.content.length;
        const { remoteRef: _fetched, ...rest } = a;
        attachments.push({ ...rest, fileName, mimeType, size: media.content.length, blobId });
      } catch (err) {
        if (err instanceof ChannelError && !err.retryable) {
          this.logger.warn({ providerKey: event.providerKey, fileName: a.fileName, code: err.code }, 'attachment not retrieved');
          missing.push(`[${a.fileName}: not retrieved — ${err.message}]`);
          continue;
        }
        throw err;
      }
    }
    const text = missing.length ? [event.text, ...missing].filter(Boolean).join('\n') : event.text;
    const resolved: E = { ...event, text, attachments };
    // Remembered on the stored event: a later run uses the blobs instead of downloading again.
    await this.models.InboundEvent.updateOne({ _id: event.providerKey }, { $set: { payloadJson: JSON.stringify(resolved) } });
    return resolved;
  }
}
