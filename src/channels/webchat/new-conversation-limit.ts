import { RateLimitedError } from '../../core/errors/app-error.js';
import { VisitorLimit } from './visitor-limit.js';

export interface NewConversationLimits {
  /** New conversations per client address per window. */
  perAddress: number;
  perAddressWindowMs: number;
  /** New conversations per minute in total (every address). */
  perMinute: number;
}

/** Conversations known to exist, remembered so that only a visitor's first message costs a lookup. */
const MAX_KNOWN = 50_000;

/**
 * Bounds how fast anonymous callers can create visitors, contacts and tickets: a script looping over
 * `GET /chat/api/session` + one message minted ~7,000 of each a minute. Only a *new* conversation (a visitor's
 * first message; the page load creates nothing but a cookie) counts: per client address (right only when
 * TRUST_PROXY matches the deployment) and in total per minute. Beyond either the visitor is told to try
 * again shortly (429 CHAT_BUSY with Retry-After); visitors already chatting are not affected.
 */
export class NewConversationLimit {
  private readonly perAddress: VisitorLimit;
  private readonly total: VisitorLimit;
  private readonly known = new Set<string>();

  constructor(
    limits: NewConversationLimits,
    /** Does the conversation already exist (one `_id` lookup)? */
    private readonly exists: (inboxId: string, visitorId: string) => Promise<boolean>,
  ) {
    this.perAddress = new VisitorLimit(limits.perAddress, limits.perAddressWindowMs);
    this.total = new VisitorLimit(limits.perMinute, 60_000);
  }

  /** Throws RateLimitedError (CHAT_BUSY) when this message would start a conversation beyond the limits. */
  async admit(inboxId: string, visitorId: string, clientAddress: string): Promise<void> {
    const key = `${inboxId}:${visitorId}`;
    if (this.known.has(key)) return;
    if (await this.exists(inboxId, visitorId)) {
      this.remember(key);
      return;
    }
    const busy = (err: unknown): never => {
      const seconds = err instanceof RateLimitedError ? err.retryAfterSeconds : 60;
      const message = 'We cannot start a new chat right now; please try again shortly';
      throw new RateLimitedError(seconds, 'CHAT_BUSY', message);
    };
    // The total is checked before the address takes one, so a refusal by either uses up neither.
    try {
      this.total.check('all');
      this.perAddress.take(clientAddress);
      this.total.take('all');
    } catch (err) {
      busy(err);
    }
    this.remember(key);
  }

  private remember(key: string): void {
    if (this.known.size >= MAX_KNOWN) this.known.clear();
    this.known.add(key);
  }
}
