import { Types } from 'mongoose';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { Actor, AuditLog } from '../audit/audit-log.js';
import type { Config } from '../config/config.js';
import { ConflictError, ValidationError } from '../errors/app-error.js';
import type { DomainEventBus } from '../events/event-bus.js';
import { ticketScope, toTicketSummary } from '../events/views.js';
import { conversationKeyId } from '../models/conversation-key.js';
import type { Message } from '../models/message.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';
import type { SlaEngine } from '../sla/sla-engine.js';
import { KeyedMutex } from '../sync/keyed-mutex.js';
import { cleanTicketSubject } from '../threading/subject-token.js';
import { dayBucket } from '../time/day-bucket.js';
import type { Viewer } from '../users/viewer.js';
import { messagePreview } from './message-preview.js';
import type { ThreadEntries } from './thread-entries.js';
import type { TicketLocks } from './ticket-locks.js';
import type { TicketNumbers } from './ticket-number.js';
import type { TicketService } from './ticket-service.js';

const objectId = z.string().regex(/^[0-9a-f]{24}$/i, 'must be an id');

export const SplitSchema = z
  .object({
    /** Messages of the ticket's thread (its own, or of a ticket merged into it), in any order. */
    messageIds: z.array(objectId).min(1, 'name at least one message').max(500),
    /** An existing ticket to move them to; absent: a new ticket is made. */
    targetTicketId: objectId.optional(),
  })
  .strict();
export type SplitInput = z.infer<typeof SplitSchema>;

/** Reads a ticket's whole thread (own and merged tickets' messages), the way the console's thread does. */
export type ThreadReader = (ticket: Ticket) => Promise<Message[]>;

/** A moved conversation's key, and the ticket its customer's next message now joins. */
interface MovedConversation {
  keyId: string;
  ticketId: Types.ObjectId;
}

/** Messages that count as conversation activity for the list (lastMessageAt, preview): not notes, not system lines. */
const isTalk = (m: Message) => m.kind === 'message' || m.kind === 'call';
const fromCustomer = (m: Message) => m.direction === 'inbound' && m.author.type === 'contact';
const newest = <T extends { occurredAt: Date }>(xs: T[]) => xs.reduce<T | undefined>((a, b) => (!a || b.occurredAt >= a.occurredAt ? b : a), undefined);

/**
 * Split: an agent moves messages of a ticket to a new ticket or to another open one — the way to undo a
 * wrong merge or a wrong threading decision. Rules:
 *  - the viewer must see both tickets (404 otherwise, as everywhere); the source may not be merged (act on
 *    the ticket it was merged into), the target may be neither merged nor closed (409, as for merge);
 *  - the messages must be in the source's thread — its own or a merged ticket's (400 naming the others);
 *    internal notes and system lines may move too (a note about that conversation goes with it);
 *  - something must stay behind: moving the whole thread away is refused (400; merge is the tool for that);
 *  - each moved message claims its thread entry on the target *before* its `ticketId` changes (as every
 *    message write does, `thread-entries.ts`); the source's entries stay and are skipped by the reader,
 *    which keeps only messages whose `ticketId` is still in the thread;
 *  - a customer conversation none of whose messages stays behind now points at the target (its conversation
 *    key; the source lists it in `conversationsMovedOut`, so a hub that cached the old pointer reads the key
 *    again), so that customer's next message lands there; a new ticket takes over the conversation's
 *    inbox, channel, contact and reply address, so replies from it reach the customer;
 *  - audited on both sides (`ticket.split_out` on the source with the message ids and the target's number,
 *    `ticket.split_in` on the target with the source's; a merged ticket that lost messages gets its own
 *    `ticket.split_out`), each side's list fields (last message, preview, customer's last message) recomputed,
 *    and both announced as `ticket.updated` (`change: 'split_out' | 'split_in'`; the console reloads the
 *    thread, the open-work projection re-reads the ticket); a new target is announced as `ticket.created`.
 * Splits run one at a time in a process, and the messages are checked again inside: of two splits of the
 * same messages, the second finds them gone and is refused, so nothing is moved twice. SLA due times of the
 * source are left as they were.
 */
export class TicketSplitter {
  private readonly queue = new KeyedMutex();
  private movedListeners: Array<(ticket: Ticket, messages: Message[]) => void> = [];
  private conversationListeners: Array<(keyId: string, ticketId: Types.ObjectId) => void> = [];

  constructor(
    private readonly models: Models,
    private readonly tickets: TicketService,
    private readonly locks: TicketLocks,
    private readonly audit: AuditLog,
    private readonly bus: DomainEventBus,
    private readonly numbers: TicketNumbers,
    private readonly threadEntries: ThreadEntries,
    private readonly readThread: ThreadReader,
    private readonly sla: () => SlaEngine,
    private readonly config: Config,
    private readonly logger: Logger,
  ) {}

  /** Messages that joined another ticket (the search index adds their words to it). */
  onMessagesMoved(listener: (ticket: Ticket, messages: Message[]) => void): void {
    this.movedListeners.push(listener);
  }

  /** A conversation now pointing at another ticket (threading forgets the pointer it remembered). */
  onConversationMoved(listener: (keyId: string, ticketId: Types.ObjectId) => void): void {
    this.conversationListeners.push(listener);
  }

  /** Moves the messages; answers with the target ticket as it is afterwards. */
  split(viewer: Viewer, sourceId: string, input: SplitInput): Promise<Ticket> {
    return this.queue.run('split', () => this.splitNow(viewer, sourceId, input));
  }

  private async splitNow(viewer: Viewer, sourceId: string, input: SplitInput): Promise<Ticket> {
    const source = await this.tickets.get(viewer, sourceId);
    const existingTarget = input.targetTicketId ? await this.tickets.get(viewer, input.targetTicketId) : undefined;
    // Compared as read, not as typed: `ABC…` and `abc…` name the same ticket.
    if (existingTarget?._id.equals(source._id)) {
      throw new ValidationError('Messages cannot be moved to the ticket they are in', [{ path: 'targetTicketId', message: 'same as the source' }]);
    }
    if (source.mergedInto) throw new ConflictError('TICKET_MERGED', `Ticket #${source.number} is merged; move the messages from the ticket it was merged into`);
    if (existingTarget?.mergedInto) throw new ConflictError('TICKET_MERGED', `Ticket #${existingTarget.number} is merged; move the messages to the ticket it was merged into`);
    if (existingTarget?.status === 'closed') throw new ConflictError('TICKET_CLOSED', `Ticket #${existingTarget.number} is closed; move the messages to a new ticket instead`);

    const wanted = [...new Set(input.messageIds.map((x) => x.toLowerCase()))];
    const thread = await this.readThread(source);
    const byId = new Map(thread.map((m) => [String(m._id), m]));
    const missing = input.messageIds.map((id, i) => ({ id: id.toLowerCase(), i })).filter(({ id }) => !byId.has(id));
    if (missing.length) {
      throw new ValidationError(
        `${missing.length === 1 ? 'A message is' : `${missing.length} messages are`} not in ticket #${source.number}`,
        missing.map(({ i }) => ({ path: `messageIds.${i}`, message: 'no such message in this ticket' })),
      );
    }
    const moving = wanted.map((id) => byId.get(id)!).sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime());
    const staying = thread.filter((m) => !wanted.includes(String(m._id)));
    if (staying.length === 0) {
      throw new ValidationError(`Every message of ticket #${source.number} would move; merge the ticket instead`, [
        { path: 'messageIds', message: 'at least one message must stay in the ticket' },
      ]);
    }

    const owners = await this.ownersOf(source, thread);
    const actor: Actor = { type: 'user', id: viewer.id, name: viewer.name };
    const target = existingTarget ?? (await this.newTicket(source, moving, owners, actor));
    const created = !existingTarget;

    // Entry first, then the message: a crash in between leaves an entry the reader skips.
    for (const m of moving) {
      await this.threadEntries.claim(target._id, m);
      await this.models.Message.updateOne({ _id: m._id }, { $set: { ticketId: target._id } });
    }
    const movedIds = moving.map((m) => String(m._id));
    const conversations = await this.moveConversations(source, thread, moving, staying, owners, target);

    // Merged tickets that lost messages: their own history says where the messages went.
    const fromMerged = new Map<string, string[]>();
    for (const m of moving) if (!m.ticketId.equals(source._id)) fromMerged.set(String(m.ticketId), [...(fromMerged.get(String(m.ticketId)) ?? []), String(m._id)]);
    for (const [ticketId, ids] of fromMerged) {
      // Closed and merged: no list fields to keep; the mark lets a reply to our Message-ID find the message.
      await this.locks.run(ticketId, () => this.models.Ticket.updateOne({ _id: new Types.ObjectId(ticketId) }, { $set: { splitOut: true } }));
      await this.audit.append(ticketId, 'ticket.split_out', actor, { messageIds: ids, targetId: String(target._id), targetNumber: target.number, via: source.number });
    }

    const left = newest(staying.filter(isTalk));
    const leftFromCustomer = newest(staying.filter(fromCustomer));
    const movedTalk = newest(moving.filter(isTalk));
    const movedFromCustomer = newest(moving.filter(fromCustomer));
    const movedKeys = conversations.map((c) => c.keyId);
    await this.tickets.changeTogether(viewer, sourceId, (t) => {
      const set: Record<string, unknown> = { splitOut: true };
      const unset: Record<string, unknown> = {};
      // Recomputed only when a moved message may be what the field shows: one that arrived after the thread was
      // read (not in `staying`) and is newer keeps its place.
      if (left && movedTalk && t.lastMessageAt <= movedTalk.occurredAt) {
        set.lastMessageAt = left.occurredAt;
        set.lastMessagePreview = messagePreview(left.text, left.attachments);
      }
      if (movedFromCustomer && (!t.lastCustomerMessageAt || t.lastCustomerMessageAt <= movedFromCustomer.occurredAt)) {
        if (leftFromCustomer) set.lastCustomerMessageAt = leftFromCustomer.occurredAt;
        else unset.lastCustomerMessageAt = 1;
      }
      if (movedKeys.length) set.conversationsMovedOut = [...new Set([...(t.conversationsMovedOut ?? []), ...movedKeys])];
      return {
        update: { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}) },
        audit: {
        type: 'ticket.split_out',
          data: { messageIds: movedIds, targetId: String(target._id), targetNumber: target.number, newTicket: created, conversations: movedKeys },
        },
        change: 'split_out',
      };
    });

    const talk = movedTalk;
    const customer = movedFromCustomer;
    const after = await this.tickets.changeTogether(viewer, String(target._id), (t) => {
      const set: Record<string, unknown> = {};
      if (talk && (created || talk.occurredAt >= t.lastMessageAt)) {
        set.lastMessageAt = talk.occurredAt;
        set.lastMessagePreview = messagePreview(talk.text, talk.attachments);
      }
      if (customer && (!t.lastCustomerMessageAt || customer.occurredAt > t.lastCustomerMessageAt)) set.lastCustomerMessageAt = customer.occurredAt;
      // The conversation came back (an earlier split moved it away from here): its pointer names this ticket again.
      const back = (t.conversationsMovedOut ?? []).filter((k) => !movedKeys.includes(k));
      if (back.length !== (t.conversationsMovedOut ?? []).length) set.conversationsMovedOut = back;
      return {
        update: { $set: set },
        audit: { type: 'ticket.split_in', data: { messageIds: movedIds, sourceId: String(source._id), sourceNumber: source.number, newTicket: created, conversations: movedKeys } },
        change: 'split_in',
      };
    });

    const movedNow = moving.map((m) => ({ ...m, ticketId: target._id }));
    for (const l of this.movedListeners) l(after, movedNow);
    this.logger.info({ from: sourceId, to: String(target._id), messages: movedIds.length, created, userId: viewer.id }, 'messages split off');
    return after;
  }

  /** The ticket each message of the thread belongs to (the source or one merged into it). */
  private async ownersOf(source: Ticket, thread: Message[]): Promise<Map<string, Ticket>> {
    const owners = new Map<string, Ticket>([[String(source._id), source]]);
    for (const m of thread) {
      const key = String(m.ticketId);
      if (owners.has(key)) continue;
      const t = await this.models.Ticket.findById(m.ticketId).lean();
      if (t) owners.set(key, t);
    }
    return owners;
  }

  /** The key of the customer conversation a message is part of (none for notes and system lines). */
  private conversationOf(m: Message, owners: Map<string, Ticket>): string | null {
    if (!isTalk(m)) return null;
    const conversationId = m.conversationId ?? owners.get(String(m.ticketId))?.replyTo.conversationId;
    return conversationId ? conversationKeyId(String(m.inboxId), conversationId) : null;
  }

  /**
   * A new ticket for the moved messages, in the source's department and priority, speaking to the customer
   * of the first moved conversation message (its ticket's inbox, channel, contact and reply address).
   */
  private async newTicket(source: Ticket, moving: Message[], owners: Map<string, Ticket>, actor: Actor): Promise<Ticket> {
    const lead = moving.find((m) => isTalk(m) && m.direction === 'inbound') ?? moving.find(isTalk) ?? moving[0]!;
    const owner = owners.get(String(lead.ticketId)) ?? source;
    const now = new Date();
    const talk = newest(moving.filter(isTalk)) ?? lead;
    const customer = newest(moving.filter(fromCustomer));
    const firstReply = moving.find((m) => m.direction === 'outbound' && m.author.type === 'agent');
    const draft = {
      _id: new Types.ObjectId(),
      subject: subjectOf(lead, source),
      // An agent already looked at it: open, in the source's department.
      status: 'open' as const,
      priority: source.priority,
      tags: [],
      ...(source.departmentId ? { departmentId: source.departmentId } : {}),
      // Whoever handles the source handles what came out of it (and an agent who sees the source only as its
      // assignee still sees the new ticket).
      ...(source.assigneeId ? { assigneeId: source.assigneeId } : {}),
      contactId: owner.contactId,
      inboxId: owner.inboxId,
      channel: owner.channel,
      replyTo: owner.replyTo,
      participants: owner.participants,
      ...(firstReply ? { firstResponseAt: firstReply.occurredAt } : {}),
      createdAt: now,
      lastMessageAt: talk.occurredAt,
      lastMessagePreview: messagePreview(talk.text, talk.attachments),
      ...(customer ? { lastCustomerMessageAt: customer.occurredAt } : {}),
      reopenCount: 0,
      // It continues the conversation of the ticket the messages came from: the customer's history (web chat)
      // walks back from the conversation's ticket along this link.
      ...(owner.previousTicketId ? { previousTicketId: owner.previousTicketId } : {}),
      mergedTicketIds: [],
      createdDay: dayBucket(now, this.config.tickets.timeZone),
    };
    const initial = await this.sla().initial({ inboxId: owner.inboxId, channel: owner.channel, contactId: owner.contactId, departmentId: source.departmentId ?? null, priority: source.priority, createdAt: now });
    const sla = firstReply ? await this.sla().decide({ ...draft, number: 0, updatedAt: now, ...initial } as Ticket, { kind: 'agent-reply', first: true }) : initial;
    const { ticket } = await this.numbers.insert({ ...draft, sla: sla.sla, slaDueAt: sla.slaDueAt });
    this.audit.startChain(ticket._id);
    const event = await this.audit.append(ticket._id, 'ticket.created', actor, {
      number: ticket.number,
      channel: ticket.channel,
      inboxId: String(ticket.inboxId),
      contactId: String(ticket.contactId),
      splitFrom: { id: String(source._id), number: source.number },
    });
    this.bus.publish({ type: 'ticket.created', seq: event.seq, at: event.at.toISOString(), scope: ticketScope(ticket), ticket: toTicketSummary(ticket) });
    return ticket;
  }

  /**
   * Conversations whose every message moved now point at the target, when their key pointed into the source's
   * thread (a key already pointing at a follow-up or elsewhere is left alone).
   */
  private async moveConversations(source: Ticket, thread: Message[], moving: Message[], staying: Message[], owners: Map<string, Ticket>, target: Ticket): Promise<MovedConversation[]> {
    const stays = new Set(staying.map((m) => this.conversationOf(m, owners)).filter((k): k is string => k !== null));
    const keys = new Set(moving.map((m) => this.conversationOf(m, owners)).filter((k): k is string => k !== null && !stays.has(k)));
    const inThread = new Set([String(source._id), ...source.mergedTicketIds.map(String), ...thread.map((m) => String(m.ticketId))]);
    const moved: MovedConversation[] = [];
    for (const keyId of keys) {
      const key = await this.models.ConversationKey.findById(keyId).lean();
      if (!key || !inThread.has(String(key.ticketId))) continue;
      await this.models.ConversationKey.updateOne({ _id: keyId }, { $set: { ticketId: target._id } });
      for (const l of this.conversationListeners) l(keyId, target._id);
      moved.push({ keyId, ticketId: target._id });
    }
    return moved;
  }
}

function subjectOf(lead: Message, source: Ticket): string {
  const subject = cleanTicketSubject(lead.threading?.subject);
  if (subject) return subject.slice(0, 250);
  const firstLine = lead.text.split('\n').map((l) => l.trim()).find(Boolean);
  if (firstLine) return firstLine.length > 80 ? `${firstLine.slice(0, 79)}…` : firstLine;
  return source.subject;
}
