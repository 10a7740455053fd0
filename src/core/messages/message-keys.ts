import type { Types } from 'mongoose';
import type { Logger } from 'pino';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import { rawCollection } from '../db/raw-collection.js';
import { WriteBatcher } from '../db/write-batcher.js';
import type { Message } from '../models/message.js';
import { blobMessageKeyId, emailMessageKeyId, inboxMessageKeyId, MESSAGE_KEYS_BACKFILLED_ID, type MessageKey } from '../models/message-key.js';
import type { Models } from '../models/registry.js';
import { SendsBeingRecorded } from './sends-being-recorded.js';

/** What names a message from outside: enough of it to write its keys. */
export type KeyedMessage = Pick<Message, '_id' | 'inboxId'> & {
  providerMessageId?: string;
  emailMessageId?: string;
  attachments?: Array<{ blobId?: string | undefined }>;
};

/** Keys written at once by the backfill. */
const BACKFILL_BATCH = 500;

export interface MessageKeysBackfillResult {
  messages: number;
  ms: number;
  skipped?: 'done-before' | 'stopped';
}

/**
 * Finds a stored message by the id its platform gave it (receipts, reactions, edits, revokes, call callbacks,
 * echoes of our own sends), by its email Message-ID (threading by references) or by one of its attachments
 * (who may download it), through `message_keys`:
 * two `_id` reads on any database, where the query by field reads every message on the embedded FerretDB
 * (seconds per receipt at 150,000 messages).
 *
 * Keys are written before the message they name (`record`), or beside it on an inbound message's first run
 * (`ingest/steps/store-message.ts`): a receipt that arrives between the two finds no message yet — "not yet
 * known", as before the send was recorded, and retried. Messages stored
 * before keys existed are found by the query until the backfill (embedded database, at start) has keyed them
 * all; on MongoDB the query stays the fallback for them (its indexes answer it).
 */
export class MessageKeys {
  /** Sends whose recording is under way: their receipts wait for it (see SendsBeingRecorded). */
  readonly recording = new SendsBeingRecorded();
  private readonly inserts = new WriteBatcher<MessageKey>(() => rawCollection(this.models.MessageKey));
  /** Every message has its keys: a missing key means no such message, without asking the messages. */
  private complete = false;
  private stopped = false;
  private running: Promise<MessageKeysBackfillResult> | undefined;

  constructor(
    private readonly models: Models,
    private readonly logger: Logger,
  ) {}

  static idsOf(m: KeyedMessage): string[] {
    const ids = new Set<string>();
    if (m.providerMessageId) ids.add(inboxMessageKeyId(m.inboxId, m.providerMessageId));
    if (m.emailMessageId) {
      ids.add(inboxMessageKeyId(m.inboxId, m.emailMessageId));
      ids.add(emailMessageKeyId(m.emailMessageId));
    }
    for (const a of m.attachments ?? []) if (a.blobId) ids.add(blobMessageKeyId(a.blobId));
    return [...ids];
  }

  /** Writes the message's keys; call before writing the message (or its new provider id), or beside it (see above). A taken key stays its first owner's. */
  async record(m: KeyedMessage): Promise<void> {
    await Promise.all(
      MessageKeys.idsOf(m).map((_id) =>
        this.inserts.insert({ _id, messageId: m._id }).catch((err: unknown) => {
          if (!isDuplicateKeyError(err)) throw err;
        }),
      ),
    );
  }

  /**
   * The message of this inbox with provider id (or email Message-ID) `id` that `accept` takes (a direction, a
   * kind), or null when there is none (yet).
   */
  async inInbox(inboxId: Types.ObjectId | string, id: string, accept: (m: Message) => boolean = () => true): Promise<Message | null> {
    const keyed = await this.byKey(inboxMessageKeyId(inboxId, id));
    if (keyed !== undefined) return keyed && accept(keyed) ? keyed : null;
    const found = await this.models.Message.find({ inboxId, $or: [{ providerMessageId: id }, { emailMessageId: id }] }).limit(10).lean();
    return found.find(accept) ?? null;
  }

  /** A message with this email Message-ID, in any inbox. */
  async byEmailMessageId(id: string): Promise<Message | null> {
    const keyed = await this.byKey(emailMessageKeyId(id));
    if (keyed !== undefined) return keyed;
    return this.models.Message.findOne({ emailMessageId: id }).lean();
  }

  /** The message an attachment (GridFS blob) belongs to. */
  async byBlob(blobId: string): Promise<Message | null> {
    const keyed = await this.byKey(blobMessageKeyId(blobId));
    if (keyed !== undefined) return keyed;
    return this.models.Message.findOne({ 'attachments.blobId': blobId }).lean();
  }

  /** The message a key names (null: named but not stored yet); undefined when no key and the query must answer. */
  private async byKey(keyId: string): Promise<Message | null | undefined> {
    const key = await this.models.MessageKey.findById(keyId).lean();
    if (!key?.messageId) return this.complete ? null : undefined;
    return this.models.Message.findById(key.messageId).lean();
  }

  /** Notes whether an earlier backfill finished; at start, before lookups rely on it. */
  async load(): Promise<void> {
    this.complete = Boolean(await this.models.MessageKey.exists({ _id: MESSAGE_KEYS_BACKFILLED_ID }));
  }

  /**
   * Keys every message stored before keys existed (one read of the messages, what the embedded database does
   * for any filter anyway), then marks it done: later starts and lookups skip it. Messages written meanwhile
   * key themselves; a key taken already is left as it is, so a rerun after a crash only repeats inserts.
   */
  backfill(): Promise<MessageKeysBackfillResult> {
    this.stopped = false;
    return (this.running ??= this.keyOldMessages().finally(() => (this.running = undefined)));
  }

  /** Stops a running backfill (it goes on at next start) and waits for the keys on their way. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running?.catch(() => undefined);
    await this.inserts.settled();
  }

  private async keyOldMessages(): Promise<MessageKeysBackfillResult> {
    const t0 = performance.now();
    await this.load();
    if (this.complete) return { messages: 0, ms: 0, skipped: 'done-before' };
    const col = rawCollection(this.models.MessageKey);
    let batch: MessageKey[] = [];
    let messages = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const docs = batch;
      batch = [];
      await col.insertMany(docs, { ordered: false }).catch((err: unknown) => {
        if (!isDuplicateKeyError(err)) throw err;
      });
    };
    const cursor = rawCollection(this.models.Message).find(
      { $or: [{ providerMessageId: { $exists: true } }, { emailMessageId: { $exists: true } }, { 'attachments.0': { $exists: true } }] },
      { projection: { _id: 1, inboxId: 1, providerMessageId: 1, emailMessageId: 1, 'attachments.blobId': 1 } },
    );
    for await (const m of cursor) {
      if (this.stopped) {
        await cursor.close();
        this.logger.info({ messages }, 'message keys: backfill stopped; it goes on at next start');
        return { messages, ms: Math.round(performance.now() - t0), skipped: 'stopped' };
      }
      messages++;
      for (const _id of MessageKeys.idsOf(m as unknown as KeyedMessage)) batch.push({ _id, messageId: m._id as unknown as Types.ObjectId });
      if (batch.length >= BACKFILL_BATCH) await flush();
    }
    await flush();
    await col.insertOne({ _id: MESSAGE_KEYS_BACKFILLED_ID, complete: true }).catch((err: unknown) => {
      if (!isDuplicateKeyError(err)) throw err;
    });
    this.complete = true;
    const ms = Math.round(performance.now() - t0);
    if (messages) this.logger.info({ messages, ms }, 'message keys: backfilled messages from before them');
    return { messages, ms };
  }
}
