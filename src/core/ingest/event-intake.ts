import type { Logger } from 'pino';
import type { GridFsBlobStore } from '../attachments/blob-store.js';
import type { Config } from '../config/config.js';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import { WriteBatcher } from '../db/write-batcher.js';
import { rawCollection } from '../db/raw-collection.js';
import { withTransientRetry } from '../db/transient-retry.js';
import { InboundEventSchema, type InboundEvent, type InboundEventInput } from '../domain/inbound-event.js';
import { AppError, NotFoundError, ValidationError } from '../errors/app-error.js';
import type { InboxCache } from '../inboxes/inbox-cache.js';
import type { InboundEventRecord } from '../models/inbound-event-record.js';
import type { Models } from '../models/registry.js';

export interface AcceptOutcome {
  providerKey: string;
  status: 'accepted' | 'duplicate';
}

/** What `store` wrote: the event as stored (attachment bytes replaced by blob ids), to process without reading it back. */
export interface StoreOutcome extends AcceptOutcome {
  stored?: InboundEvent;
}

/** Which events must be processed in order relative to each other. */
export function orderingKey(e: InboundEvent): string {
  switch (e.type) {
    case 'message.received':
      return `conv:${e.inboxId}:${e.threading.conversationId}`;
    case 'conversation.status':
    case 'message.sent_outside':
      return `conv:${e.inboxId}:${e.conversationId}`;
    case 'message.status':
    case 'message.edited':
    case 'message.revoked':
    case 'message.reaction':
      return `msg:${e.inboxId}:${e.providerMessageId}`;
    case 'session.state':
      return `inbox:${e.inboxId}`;
    case 'call.updated':
    case 'contact.consent':
      // After the conversation's messages: the call entry (or the contact) exists by then.
      return `conv:${e.inboxId}:${e.conversationId}`;
  }
}

/**
 * Step one of ingest: validate and store the event under its deterministic
 * `_id`. After this resolves the platform may be acknowledged; processing
 * happens from the stored record. A retry of a stored event is a duplicate,
 * never a second message.
 */
export class EventIntake {
  private readonly inserts = new WriteBatcher<InboundEventRecord>(() => rawCollection(this.models.InboundEvent));

  constructor(
    private readonly models: Models,
    private readonly inboxes: InboxCache,
    private readonly blobs: GridFsBlobStore,
    private readonly config: Config,
    private readonly logger: Logger,
  ) {}

  parse(inputs: InboundEventInput[]): InboundEvent[] {
    return inputs.map((input, index) => {
      const parsed = InboundEventSchema.safeParse(input);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => ({ path: [index, ...i.path].join('.'), message: i.message }));
        throw new ValidationError(`Invalid inbound event: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
      }
      return parsed.data;
    });
  }

  async store(event: InboundEvent): Promise<StoreOutcome> {
    const providerKey = event.providerKey;
    if (!(await this.inboxes.get(event.inboxId))) throw new NotFoundError('Inbox');
    // Without attachments the unique _id alone detects a retry; with them, look first so a retry uploads nothing.
    const hasBytes = event.type === 'message.received' && event.attachments.some((a) => a.contentBase64);
    if (hasBytes && (await this.models.InboundEvent.exists({ _id: providerKey }))) return { providerKey, status: 'duplicate' };

    const stored = event.type === 'message.received' ? await this.moveAttachmentsToBlobs(event) : { event, blobIds: [] };
    try {
      // Insert-only under a unique _id: retrying a transient failure cannot store twice.
      await withTransientRetry(() =>
        // Every field set here, typed: inserted by the driver, no mongoose document on the accept path;
        // concurrent accepts share insert commands under load (group commit).
        this.inserts.insert({
          _id: providerKey,
          inboxId: event.inboxId,
          type: event.type,
          payloadJson: JSON.stringify(stored.event),
          conversationKey: orderingKey(event),
          status: 'pending',
          attempts: 0,
          receivedAt: new Date(),
        }),
      );
      return { providerKey, status: 'accepted', stored: stored.event };
    } catch (err) {
      // Our own insert may have landed before its answer was lost (the retry then meets it as a duplicate): its
      // blobs are then the stored event's and stay.
      if (!(isDuplicateKeyError(err) && (await this.storedWith(providerKey, stored.blobIds)))) {
        await Promise.all(stored.blobIds.map((id) => this.blobs.delete(id)));
      }
      if (isDuplicateKeyError(err)) return { providerKey, status: 'duplicate' };
      throw err;
    }
  }

  /** Whether the event stored under `providerKey` refers to these blobs (none: nothing to keep). */
  private async storedWith(providerKey: string, blobIds: string[]): Promise<boolean> {
    if (!blobIds.length) return false;
    const record = await this.models.InboundEvent.findById(providerKey, { payloadJson: 1 }).lean();
    return !!record?.payloadJson.includes(`"blobId":"${blobIds[0]}"`);
  }

  /**
   * Attachment bytes go to GridFS first: an event document must stay far below 16 MB. Whatever fails half way
   * (a size limit, the database gone during the third file) removes the files stored so far: the caller retries
   * the whole event, and each retry used to leave another copy of the first files behind.
   */
  private async moveAttachmentsToBlobs(event: Extract<InboundEvent, { type: 'message.received' }>) {
    const blobIds: string[] = [];
    try {
      return await this.uploadAttachments(event, blobIds);
    } catch (err) {
      await Promise.all(blobIds.map((id) => this.blobs.delete(id)));
      throw err;
    }
  }

  private async uploadAttachments(event: Extract<InboundEvent, { type: 'message.received' }>, blobIds: string[]) {
    const { maxAttachmentBytes, maxMessageAttachmentsBytes } = this.config.limits;
    let total = 0;
    const attachments = [];
    for (const a of event.attachments) {
      if (!a.contentBase64) {
        attachments.push(a);
        continue;
      }
      const bytes = Buffer.from(a.contentBase64, 'base64');
      total += bytes.length;
      if (bytes.length > maxAttachmentBytes || total > maxMessageAttachmentsBytes) {
        this.logger.warn({ providerKey: event.providerKey, fileName: a.fileName, size: bytes.length }, 'attachment over the size limit');
        throw new AppError('ATTACHMENT_TOO_LARGE', `Attachment ${a.fileName} exceeds the size limit`);
      }
      const blobId = await this.blobs.put(a.fileName, a.mimeType, bytes);
      blobIds.push(blobId);
      const { contentBase64: _dropped, ...rest } = a;
      attachments.push({ ...rest, size: bytes.length, blobId });
    }
    return { event: { ...event, attachments }, blobIds };
  }
}
