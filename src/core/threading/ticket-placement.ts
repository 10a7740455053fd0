import type { MessageKeys } from '../messages/message-keys.js';
import type { TicketLocks } from '../tickets/ticket-locks.js';
import { Types } from 'mongoose';
import type { SnapshotParts } from '../sync/stop-snapshots.js';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import { rawCollection } from '../db/raw-collection.js';
import { WriteBatcher } from '../db/write-batcher.js';
import type { MessageReceived } from '../domain/inbound-event.js';
import type { Contact } from '../models/contact.js';
import { conversationKeyId, successorKeyId, type ConversationKey } from '../models/conversation-key.js';
import type { Inbox } from '../models/inbox.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';
import { decideThread, type CandidateTicket, type ThreadFacts } from './decide-thread.js';
import { ticketIdFromOurMessageId } from './message-id.js';
import type { CreateTicket, PlacementDecision, PlacementInput } from './placement-decision.js';
import { extractTicketNumber } from './subject-token.js';

/**
 * What an agent starting a conversation (src/core/outbound/conversation-starter.ts) may do with a chat
 * conversation (an SMS number, a WhatsApp chat): `claimed` — the conversation now names `ticketId`, the
 * ticket to write (the caller's id, or a claim an earlier run left without its ticket), `previous` the solved
 * or closed ticket it follows up; `active` — the conversation has a ticket still being worked on, where the
 * customer's next message will land.
 */
export type StartClaim = { kind: 'claimed'; ticketId: Types.ObjectId; previous: Ticket | null } | { kind: 'active'; ticket: Ticket };

/** The conversation's ticket as far as known before placing (null: no conversation yet); `claimed`: its key was just inserted by this run, and no ticket exists yet. */
export interface PointerLookup {
  ticketId: Types.ObjectId | null;
  claimed?: boolean;
}

const MAX_HOPS = 20;
/** Placing rounds (another writer's ticket appeared meanwhile) and unfinished claims finished, at most. */
const MAX_ROUNDS = 5;

const threadKeyOf = (event: MessageReceived) => conversationKeyId(event.inboxId, event.threading.conversationId);

/** Nothing in the message points at a ticket but its conversation. */
function threadsByConversationOnly(event: MessageReceived): boolean {
  const t = event.threading;
  return !t.inReplyTo && !t.references?.length && !t.quotedProviderMessageId && extractTicketNumber(t.subject) === undefined;
}

/** Conversation pointers held in memory at most (~100 bytes each); when full, the map starts again empty. */
const MAX_POINTERS = 50_000;
/** Their part in a stop snapshot (read first, before live events are processed: see `create-core.ts`). */
export const POINTERS_PART = 'threading.pointers';

/**
 * The database side of threading: gathers the facts for `decideThread` and
 * claims unique conversation keys so that concurrent writers agree on one
 * ticket. It never writes a ticket: when one is needed it answers with a
 * `create` decision, which the ingest step carries out and hands back to
 * `afterCreate` (see placement-decision.ts).
 */
export class TicketPlacement {
  /**
   * Conversation → newest ticket, as last read or written here. Even a stale
   * entry is safe: the ticket it names is read fresh, and a solved or closed
   * one has its follow-up chain followed, as for the stored pointer.
   */
  private readonly pointers = new Map<string, Types.ObjectId>();
  /** How many pointers the start restored from a stop snapshot (for the tests). */
  restored = 0;

  /** Set when this process owns the database (embedded): see `trustLastWrites`. */
  private lastWrites: TicketLocks | undefined;

  /** New conversations claimed together share insert commands (see WriteBatcher); a lost race still fails alone. */
  private readonly keyInserts = new WriteBatcher<ConversationKey>(() => rawCollection(this.models.ConversationKey));

  constructor(
    private readonly models: Models,
    private readonly secret: string,
    private readonly keys: MessageKeys,
  ) {}

  /**
   * On the embedded database one hub process owns the data, so a ticket its last write handed over
   * (`TicketLocks.lastKnown`) is the stored one: a conversation's next message needs no read of its ticket.
   */
  trustLastWrites(locks: TicketLocks | undefined): void {
    this.lastWrites = locks;
  }

  /**
   * Where a ticket number's ticket is looked up first (the search postings, by `_id`), on the embedded
   * database, where the query by `number` reads every ticket — for every email whose subject carries
   * `[#n]`, which is most replies to our mail.
   */
  useNumberIndex(lookup: (n: number) => Promise<string[]>): void {
    this.numberIndex = lookup;
  }
  private numberIndex: ((n: number) => Promise<string[]>) | undefined;

  /** The ticket numbered `n`: the index's candidates read by `_id`, else (not indexed yet, no such ticket) the query. */
  private async ticketNumbered(n: number): Promise<Ticket | null> {
    for (const id of (await this.numberIndex?.(n)) ?? []) {
      const ticket = Types.ObjectId.isValid(id) ? await this.models.Ticket.findById(id).lean() : null;
      if (ticket?.number === n) return ticket;
    }
    return this.models.Ticket.findOne({ number: n }).lean();
  }

  /** The pointers held, for a clean stop's snapshot (`sync/stop-snapshots.ts`): `{ k, t }`, key and ticket id. */
  snapshotParts(): Record<string, unknown[]> {
    return { [POINTERS_PART]: [...this.pointers].map(([k, t]) => ({ k, t: t.toHexString() })) };
  }

  /**
   * The pointers the last clean stop held, added beside those this start has learnt meanwhile (never over
   * them). Without them every conversation's first message after a restart took the new-conversation path —
   * a contact and two keys inserted, two of them failing on the existing ones, the contact deleted again —
   * before reading what exists. A stale one is as safe as any (see `pointers`).
   */
  async restoreFrom(snapshot: Promise<SnapshotParts | undefined>): Promise<void> {
    const items = (await snapshot.catch(() => undefined))?.get(POINTERS_PART);
    if (!items) return;
    let restored = 0;
    for (const item of items) {
      const { k, t } = (item ?? {}) as { k?: unknown; t?: unknown };
      if (typeof k !== 'string' || typeof t !== 'string' || !Types.ObjectId.isValid(t) || this.pointers.has(k)) continue;
      if (this.pointers.size >= MAX_POINTERS) break;
      this.pointers.set(k, new Types.ObjectId(t));
      restored++;
    }
    this.restored = restored;
  }

  /** A split moved the conversation (`tickets/ticket-split.ts`): the next message reads its key. */
  moved(threadKey: string, ticketId: Types.ObjectId): void {
    this.remember(threadKey, ticketId);
  }

  private remember(threadKey: string, ticketId: Types.ObjectId): void {
    if (this.pointers.size >= MAX_POINTERS) this.pointers.clear();
    this.pointers.set(threadKey, ticketId);
  }

  /**
   * Looks up the conversation's pointer ahead of `place`, so the caller can
   * overlap it with other reads (the first message of a conversation otherwise
   * waits for one round trip after another). Pass the result to `place`.
   *
   * A message that can only thread by its conversation (no reference, subject
   * token or quote: every chat message) claims an unknown conversation at once
   * instead of looking first: the insert either makes the conversation ours —
   * its new ticket will have the claimed id — or fails on whoever's key was
   * first, read then. A first message saves a round trip (a conversation this
   * process has not seen since it started pays a failed insert before the read,
   * once); a claim whose ticket never gets written (the run fails) is finished
   * by the next run, as after a crash.
   */
  /** True when `lookupPointer` will claim the conversation: nothing in memory knows it, and only it can thread the message. */
  claimsConversation(event: MessageReceived): boolean {
    return !this.pointers.has(threadKeyOf(event)) && threadsByConversationOnly(event);
  }

  async lookupPointer(event: MessageReceived): Promise<PointerLookup> {
    const threadKey = threadKeyOf(event);
    const known = this.pointers.get(threadKey);
    if (known) return { ticketId: known };
    if (threadsByConversationOnly(event)) {
      const id = new Types.ObjectId();
      const owner = await this.claimKey(threadKey, id);
      return { ticketId: owner, claimed: owner.equals(id) };
    }
    const conv = await this.models.ConversationKey.findById(threadKey).lean();
    if (conv) this.remember(threadKey, conv.ticketId);
    return { ticketId: conv?.ticketId ?? null };
  }

  /** Where the message goes, or which ticket must be written first. `lookup`: from `lookupPointer`. */
  async place(input: PlacementInput, lookup?: PointerLookup): Promise<PlacementDecision> {
    if (lookup?.claimed) {
      // The conversation is new and its key ours (see lookupPointer): its ticket gets the claimed id.
      return { kind: 'create', ticketId: lookup.ticketId!, reason: 'claimed-conversation', resume: { round: 0, finished: 0 } };
    }
    return this.decide(input, { round: 0, finished: 0 }, lookup?.ticketId);
  }

  /** Goes on after the ingest step carried out a `create` decision (`created`: it inserted the ticket). */
  async afterCreate(input: PlacementInput, step: CreateTicket, result: { ticket: Ticket; created: boolean }): Promise<PlacementDecision> {
    const { ticket, created } = result;
    const threadKey = threadKeyOf(input.event);
    switch (step.reason) {
      case 'claimed-conversation':
        if (created) return { kind: 'created', ticket, decision: decideThread({ now: new Date(), reopenWindowMs: input.reopenWindowMs }) };
        // Another run wrote the ticket for our claim first (a retry racing a sweep): place as usual.
        return this.decide(input, step.resume);
      case 'new-ticket':
        // A conversation's first key already points at its ticket; a follow-up moves the pointer.
        if (step.resume.keyId !== threadKey) await this.pointConversation(threadKey, ticket._id);
        if (created) return { kind: 'created', ticket, decision: step.resume.decision! };
        // Another writer made the ticket for this conversation first: decide again against it.
        return this.decide(input, { round: step.resume.round + 1, finished: step.resume.finished });
      case 'unfinished-claim':
        // The claimed ticket exists now: gather the facts of this round again, with it.
        return this.decide(input, { round: step.resume.round, finished: step.resume.finished + 1 }, step.resume.pointer);
    }
  }

  private async decide(input: PlacementInput, from: CreateTicket['resume'], pointer?: Types.ObjectId | null): Promise<PlacementDecision> {
    const { event, contact, reopenWindowMs } = input;
    const threadKey = threadKeyOf(event);
    if (from.finished > MAX_ROUNDS) throw new Error(`could not place message ${event.providerKey}`);
    for (let round = from.round; round < MAX_ROUNDS; round++) {
      // Tickets read while gathering facts, by id: the chosen one is not read a second time.
      const loaded = new Map<string, Ticket>();
      // The caller's lookup is only as fresh as the first round; a retry reads again.
      const lookedUp = round === 0 ? pointer : undefined;
      const gathered = await this.gatherFacts(event, contact, threadKey, reopenWindowMs, loaded, lookedUp);
      if ('unfinished' in gathered) {
        // The key was claimed but its writer stopped before inserting the ticket: finish the job.
        const resume = { round, finished: from.finished, ...(lookedUp !== undefined ? { pointer: lookedUp } : {}) };
        return { kind: 'create', ticketId: gathered.unfinished, reason: 'unfinished-claim', resume };
      }
      const { facts } = gathered;
      const decision = decideThread(facts);
      if (decision.action !== 'new') {
        const ticket = loaded.get(decision.ticketId) ?? (await this.ticketById(new Types.ObjectId(decision.ticketId)));
        if (!ticket) continue;
        if (facts.pointer !== decision.ticketId) await this.pointConversation(threadKey, ticket._id);
        return decision.action === 'reopen' ? { kind: 'reopen', ticket, decision } : { kind: 'join', ticket, decision };
      }
      const keyId = decision.previousTicketId ? successorKeyId(decision.previousTicketId) : threadKey;
      const claimedId = await this.claimKey(keyId, new Types.ObjectId());
      const previous = decision.previousTicketId
        ? (loaded.get(decision.previousTicketId) ?? (await this.ticketById(new Types.ObjectId(decision.previousTicketId))))
        : null;
      return {
        kind: 'create',
        ticketId: claimedId,
        ...(previous ? { previous } : {}),
        reason: 'new-ticket',
        resume: { round, finished: from.finished, decision, keyId },
      };
    }
    throw new Error(`could not place message ${event.providerKey}`);
  }

  /**
   * Claims a conversation for a ticket an agent starts, with the keys an inbound message would claim, so the
   * customer's answer threads into it: a conversation nobody has had claims `conv:<inbox>:<conversation>`; one
   * whose newest ticket (follow-ups and merges followed) is solved or closed claims that ticket's `next:` key
   * and moves the pointer, as a follow-up written by ingest does (a stale pointer in another process reaches
   * the new ticket through `next:`). An active ticket is not taken over: the caller says so.
   */
  async claimForStart(inboxId: string, conversationId: string, ticketId: Types.ObjectId): Promise<StartClaim> {
    const threadKey = conversationKeyId(inboxId, conversationId);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const conv = await this.models.ConversationKey.findById(threadKey).lean();
      if (!conv) {
        const owner = await this.claimKey(threadKey, ticketId);
        if (owner.equals(ticketId)) return { kind: 'claimed', ticketId, previous: null };
        continue; // a first message (or another agent) claimed it meanwhile: look again
      }
      const loaded = new Map<string, Ticket>();
      const current = await this.currentTicket(conv.ticketId, loaded);
      // A claim whose ticket was never written (its run is under way or crashed): write it, as ingest would.
      if (!current) return { kind: 'claimed', ticketId: await this.followSuccessors(conv.ticketId), previous: null };
      const ticket = loaded.get(current.id)!;
      if (current.status !== 'solved' && current.status !== 'closed') return { kind: 'active', ticket };
      const owner = await this.claimKey(successorKeyId(current.id), ticketId);
      if (!owner.equals(ticketId)) continue; // a follow-up appeared meanwhile: look again
      await this.pointConversation(threadKey, ticketId);
      return { kind: 'claimed', ticketId, previous: ticket };
    }
    throw new Error(`could not claim conversation ${threadKey}`);
  }

  /** Inserts the key or returns the ticket id of whoever inserted it first. */
  private async claimKey(keyId: string, ticketId: Types.ObjectId): Promise<Types.ObjectId> {
    try {
      await this.keyInserts.insert({ _id: keyId, ticketId, createdAt: new Date() });
      if (keyId.startsWith('conv:')) this.remember(keyId, ticketId);
      return ticketId;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const winner = await this.models.ConversationKey.findById(keyId).lean();
      if (!winner) throw err;
      // Remembered as a read pointer is: unremembered, every later message of a conversation older than this
      // process took this path again — a failed insert, a read, and the sender taken for a new contact.
      if (keyId.startsWith('conv:')) this.remember(keyId, winner.ticketId);
      return winner.ticketId;
    }
  }

  /** Pointer from the conversation to its newest ticket; a cache, the `next:` chain is the truth. */
  private async pointConversation(threadKey: string, ticketId: Types.ObjectId): Promise<void> {
    try {
      await this.models.ConversationKey.updateOne(
        { _id: threadKey },
        { $set: { ticketId }, $setOnInsert: { createdAt: new Date() } },
        { upsert: true },
      );
      this.remember(threadKey, ticketId);
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      this.pointers.delete(threadKey);
    }
  }

  private async gatherFacts(
    event: MessageReceived,
    contact: Contact,
    threadKey: string,
    reopenWindowMs: number,
    loaded: Map<string, Ticket>,
    lookedUp: Types.ObjectId | null | undefined,
  ): Promise<{ facts: ThreadFacts & { pointer?: string } } | { unfinished: Types.ObjectId }> {
    const currentTicket = (id: Types.ObjectId) => this.currentTicket(id, loaded);
    const facts: ThreadFacts & { pointer?: string } = { now: new Date(), reopenWindowMs, ...(event.automated ? { automated: true } : {}) };
    const t = event.threading;

    const refs = [...(t.inReplyTo ? [t.inReplyTo] : []), ...[...(t.references ?? [])].reverse()];
    for (const ref of refs) {
      const signed = ticketIdFromOurMessageId(this.secret, ref);
      const ticketId = signed ?? (await this.keys.byEmailMessageId(ref))?.ticketId;
      let ticket = ticketId ? await currentTicket(new Types.ObjectId(String(ticketId))) : undefined;
      if (signed && ticket && loaded.get(ticket.id)?.splitOut) {
        // Messages were split off the ticket our Message-ID names: ours may have moved with them, and where it
        // is now decides.
        const stored = await this.keys.byEmailMessageId(ref);
        if (stored && String(stored.ticketId) !== ticket.id) ticket = (await currentTicket(stored.ticketId)) ?? ticket;
      }
      if (ticket) {
        facts.reference = { ticket, via: signed ? 'signed-message-id' : ref === t.inReplyTo ? 'in-reply-to' : 'references' };
        break;
      }
    }

    const tokenNumber = extractTicketNumber(t.subject);
    if (tokenNumber !== undefined) {
      const doc = await this.ticketNumbered(tokenNumber);
      const ticket = doc ? await currentTicket(doc._id) : undefined;
      const emails = contact.identities.filter((k) => k.startsWith('email:')).map((k) => k.slice(6));
      const senderIsParticipant = Boolean(
        doc && (String(doc.contactId) === String(contact._id) || emails.some((e) => doc.participants.includes(e))),
      );
      facts.subjectToken = { number: tokenNumber, ...(ticket ? { ticket } : {}), senderIsParticipant };
    }

    if (t.quotedProviderMessageId) {
      const quoted = await this.keys.inInbox(event.inboxId, t.quotedProviderMessageId);
      const ticket = quoted ? await currentTicket(quoted.ticketId) : undefined;
      if (ticket) facts.quoted = ticket;
    }

    const pointed = this.pointers.get(threadKey) ?? lookedUp;
    const conv = pointed ? { ticketId: pointed } : lookedUp === null ? null : await this.models.ConversationKey.findById(threadKey).lean();
    if (conv) {
      if (!pointed) this.remember(threadKey, conv.ticketId);
      let pointerId = conv.ticketId;
      let ticket = await currentTicket(pointerId);
      if (ticket && loaded.get(ticket.id)?.conversationsMovedOut?.includes(threadKey)) {
        // A split moved this conversation to another ticket (maybe in another hub, after this one remembered the
        // pointer): the stored key is the truth.
        const stored = await this.models.ConversationKey.findById(threadKey).lean();
        if (stored && !stored.ticketId.equals(pointerId)) {
          this.remember(threadKey, stored.ticketId);
          pointerId = stored.ticketId;
          ticket = await currentTicket(pointerId);
        }
      }
      facts.pointer = String(pointerId);
      // The key was claimed but its writer stopped before inserting the ticket: the caller writes it.
      if (!ticket) return { unfinished: await this.followSuccessors(pointerId) };
      facts.conversation = ticket;
    }
    return { facts };
  }

  /** Read on every inbound message: through the driver (see rawCollection). */
  private ticketById(id: Types.ObjectId): Promise<Ticket | null> {
    const known = this.lastWrites?.lastKnown(String(id));
    if (known) return Promise.resolve(known);
    return rawCollection(this.models.Ticket).findOne({ _id: id });
  }

  /** The newest ticket in the follow-up chain starting at `id`. */
  private async successorTicket(id: Types.ObjectId): Promise<Ticket | null> {
    const doc = await this.ticketById(id);
    // A follow-up is only ever claimed for a solved or closed ticket; a missing
    // one may be a claim whose ticket was never written (crash): look then too.
    if (doc && doc.status !== 'solved' && doc.status !== 'closed') return doc;
    const last = await this.followSuccessors(id);
    return last.equals(id) ? doc : this.ticketById(last);
  }

  private async followSuccessors(start: Types.ObjectId): Promise<Types.ObjectId> {
    let id = start;
    for (let hop = 0; hop < MAX_HOPS; hop++) {
      const next = await this.models.ConversationKey.findById(successorKeyId(String(id))).lean();
      if (!next) return id;
      id = next.ticketId;
    }
    return id;
  }

  /** The ticket a message for `id` really belongs to: follow-up tickets and merges are followed. */
  private async currentTicket(id: Types.ObjectId, loaded: Map<string, Ticket>): Promise<CandidateTicket | undefined> {
    let doc = await this.successorTicket(id);
    for (let hop = 0; doc?.mergedInto && hop < MAX_HOPS; hop++) doc = await this.successorTicket(doc.mergedInto);
    if (!doc) return undefined;
    loaded.set(String(doc._id), doc);
    return { id: String(doc._id), number: doc.number, status: doc.status, ...(doc.solvedAt ? { solvedAt: doc.solvedAt } : {}) };
  }
}
