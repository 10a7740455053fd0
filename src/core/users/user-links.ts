import { randomBytes } from 'node:crypto';
import { Schema, Types, type Connection, type Model } from 'mongoose';
import { tokenId } from '../auth/session-service.js';
import { UnauthenticatedError } from '../errors/app-error.js';

/**
 * One-time links an admin hands to a person (no outbound mail needed): an invite for a new account, or a
 * password reset. Only the SHA-256 of the token is stored (`_id`), like sessions. Using a link deletes its
 * document by `_id`: of two concurrent uses exactly one sees `deletedCount === 1`, on MongoDB and FerretDB.
 * A password set any other way (the owner's change, an admin's) and a deactivation void the user's links.
 */
export interface UserLink {
  _id: string;
  userId: Types.ObjectId;
  purpose: 'invite' | 'reset';
  createdBy: Types.ObjectId;
  expiresAt: Date;
}

const schema = new Schema<UserLink>(
  {
    _id: { type: String, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    purpose: { type: String, required: true, enum: ['invite', 'reset'] },
    createdBy: { type: Schema.Types.ObjectId, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'user_links' },
);

type UserLinkModel = Model<UserLink>;
const linkModel = (c: Connection): UserLinkModel => (c.models.UserLink as UserLinkModel | undefined) ?? c.model<UserLink>('UserLink', schema);

/** Invites last a week, resets a day: long enough to pass on, short enough that a forgotten one dies. */
const LIFETIME_MS = { invite: 7 * 86_400_000, reset: 86_400_000 } as const;

export class UserLinks {
  private readonly model: UserLinkModel;

  constructor(connection: Connection) {
    this.model = linkModel(connection);
  }

  /** A new link; any older link of the same user stops working (the admin handed out a new one). */
  async issue(userId: Types.ObjectId, purpose: UserLink['purpose'], by: string): Promise<{ token: string; expiresAt: Date }> {
    await this.model.deleteMany({ userId });
    const token = randomBytes(24).toString('base64url');
    const expiresAt = new Date(Date.now() + LIFETIME_MS[purpose]);
    await this.model.insertMany([{ _id: tokenId(token), userId, purpose, createdBy: new Types.ObjectId(by), expiresAt }]);
    return { token, expiresAt };
  }

  /** What a link is for, without using it (the console shows "set your password" with the account's name). */
  async peek(token: string): Promise<UserLink> {
    const link = token.length <= 200 ? await this.model.findById(tokenId(token)).lean() : null;
    if (!link || link.expiresAt.getTime() <= Date.now()) throw new UnauthenticatedError('This link is invalid or has expired');
    return link;
  }

  /** Uses the link once: a second use (or a concurrent one) is refused. */
  async consume(token: string): Promise<UserLink> {
    const link = await this.peek(token);
    const { deletedCount } = await this.model.deleteOne({ _id: link._id });
    if (deletedCount !== 1) throw new UnauthenticatedError('This link is invalid or has expired');
    return link;
  }

  revokeAllOf(userId: Types.ObjectId | string) {
    return this.model.deleteMany({ userId });
  }
}
