import { createHash } from 'node:crypto';
import { Types } from 'mongoose';
import { z } from 'zod';
import type { Logger } from 'pino';
import { canonicalJson } from '../audit/canonical-json.js';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import { ConflictError } from '../errors/app-error.js';
import type { Models } from '../models/registry.js';

/**
 * The key a client picks for one send (the console: a UUID per text the agent pressed Send on). Bounded and
 * of a plain charset because it becomes part of a database `_id`.
 */
export const ClientMessageIdSchema = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9_-]+$/, 'may contain only letters, digits, "-" and "_"')
  .describe(
    'Optional idempotency key chosen by the client for this send (e.g. a UUID), kept until the answer arrives and sent ' +
      'again with a resend of the same content: the same key from the same author (on the same ticket) answers with the ' +
      'message already accepted — no second message, delivery, audit entry or event (header `Idempotent-Replayed: true`); ' +
      'the same key with other content is refused (409 CLIENT_MESSAGE_ID_REUSED)',
  );

/** Where a key is unique: an author on one ticket, or an author's new conversations. */
export type SendKeyScope = { ticketId: string; userId: string } | { start: true; userId: string };

export const sendKeyId = (scope: SendKeyScope, key: string) =>
  'ticketId' in scope ? `ticket:${scope.ticketId}:${scope.userId}:${key}` : `start:${scope.userId}:${key}`;

/** The content a key stands for, as a short hash: two sends are "the same" when every field they sent is. */
export function sendFingerprint(content: unknown): string {
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/** Attachments by their bytes' hash, not their base64 (which may differ in whitespace only). */
export const attachmentsFingerprint = (attachments: ReadonlyArray<{ fileName: string; mimeType: string; contentBase64: string }>) =>
  attachments.map((a) => ({ fileName: a.fileName, mimeType: a.mimeType, sha256: createHash('sha256').update(Buffer.from(a.contentBase64, 'base64')).digest('hex') }));

export interface Once<T> {
  result: T;
  /** The key was used before: `result` is what that send made, nothing new was done. */
  replayed: boolean;
}

/** How long a resend waits for the first request of its key, still at work, to store its message. */
const WAIT_MS = 10_000;
const POLL_MS = 100;
/** A key whose message is still missing after this long belongs to a request that died: the next resend takes it over. */
const STALE_MS = 120_000;

/**
 * Exactly one message per client key, whatever the network does: the key is inserted under a unique `_id`
 * before the message is stored (the database decides between two racing requests, in any hub process), and
 * names the message's id, chosen up front. A resend finds the key and answers with that message; while the
 * first request is still storing it, the resend waits for it. A send refused before its message was stored
 * (a closed messaging window, a file too large) gives its key back, so a corrected resend is judged anew.
 * A request that died between key and message leaves a key without message: taken over after STALE_MS with
 * the same message id, so even a request that was only very slow cannot store a second message (the message
 * `_id` is unique too).
 */
export class SendOnce {
  constructor(
    private readonly models: Models,
    private readonly logger: Logger,
  ) {}

  /**
   * Runs `work(messageId)` once per key: the first caller does the work, later ones get `replay(messageId)`
   * (the stored message, or null while it is not stored yet).
   */
  async run<T>(id: string, fingerprint: string, work: (messageId: Types.ObjectId) => Promise<T>, replay: (messageId: Types.ObjectId) => Promise<T | null>): Promise<Once<T>> {
    const until = Date.now() + WAIT_MS;
    for (;;) {
      const messageId = new Types.ObjectId();
      if (await this.claim({ _id: id, fingerprint, messageId, at: new Date() })) return { result: await this.own(id, messageId, work), replayed: false };
      const key = await this.models.SendKey.findById(id).lean();
      // Given back by a refused first request a moment ago: claim it again.
      if (!key) continue;
      if (key.fingerprint !== fingerprint) {
        throw new ConflictError('CLIENT_MESSAGE_ID_REUSED', 'This clientMessageId was already used for a different message; a new message needs a new clientMessageId');
      }
      const done = await replay(key.messageId);
      if (done !== null) return { result: done, replayed: true };
      if (Date.now() - key.at.getTime() > STALE_MS) {
        const taken = await this.models.SendKey.updateOne({ _id: id, at: key.at }, { $set: { at: new Date() } });
        if (taken.modifiedCount === 1) {
          this.logger.warn({ key: id, messageId: String(key.messageId) }, 'send key without its message taken over (its first request died)');
          return { result: await this.own(id, key.messageId, work), replayed: false };
        }
        continue;
      }
      if (Date.now() > until) {
        throw new ConflictError('CLIENT_MESSAGE_ID_IN_USE', 'A send with this clientMessageId is still being processed; send it again in a moment');
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  private async claim(doc: { _id: string; fingerprint: string; messageId: Types.ObjectId; at: Date }): Promise<boolean> {
    try {
      await this.models.SendKey.collection.insertOne(doc as never);
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  private async own<T>(id: string, messageId: Types.ObjectId, work: (messageId: Types.ObjectId) => Promise<T>): Promise<T> {
    try {
      return await work(messageId);
    } catch (err) {
      // Refused before the message was stored: the key is free again. Stored: the key stays its message's.
      if (!(await this.models.Message.exists({ _id: messageId }))) await this.models.SendKey.deleteOne({ _id: id, messageId });
      throw err;
    }
  }
}
