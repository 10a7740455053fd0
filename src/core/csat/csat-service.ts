import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../time/clock.js';
import type { InboxAutomationSettings } from '../automation/inbox-automation.js';
import { languageFor, type CustomerLanguage } from '../automation/language.js';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import type { MessageReceived } from '../domain/inbound-event.js';
import { AppError, ConflictError, NotFoundError } from '../errors/app-error.js';
import type { DomainEventBus } from '../events/event-bus.js';
import { ticketScope } from '../events/views.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';
import type { ComposeService } from '../outbound/compose-service.js';
import type { TicketLocks } from '../tickets/ticket-locks.js';
import { entriesOf, newestMessageIds } from '../tickets/thread-entries.js';
import type { Message } from '../models/message.js';
import { awaitingKey, csatModels, type CsatRequest } from './csat-request.js';
import { parseRatingReply } from './csat-reply.js';
import { csatModeOf, csatRequestText } from './csat-texts.js';
import { signCsatToken, verifyCsatToken } from './csat-token.js';

export const CsatAnswerSchema = z.object({
  rating: z.coerce.number().int().min(1, 'from 1 to 5').max(5, 'from 1 to 5'),
  comment: z
    .string()
    .trim()
    .max(2_000)
    .optional()
    .transform((c) => (c ? c : null)),
});
export type CsatAnswer = z.infer<typeof CsatAnswerSchema>;

/** What the public rating page shows. */
export interface CsatPage {
  ticketNumber: number;
  language: CustomerLanguage;
  rating: number | null;
  comment: string | null;
  expiresAt: Date;
}

type Via = 'link' | 'reply' | 'webchat';

const system = { type: 'system' as const, name: 'Ponte' };
const DAY_MS = 86_400_000;
/** How many of a ticket's newest messages are looked at for the customer's words (language guess). */
const LANGUAGE_SAMPLE = 20;

/**
 * Customer satisfaction: after a solve, one question on the customer's own channel (a signed link for email,
 * "reply 1–5" on chat apps, buttons in the web chat); the answer goes on the ticket (`csat`), into the audit
 * (`csat.requested`, `csat.rated`) and out as `ticket.csat_requested` / `ticket.csat_rated`.
 */
export class CsatService {
  private readonly db;

  constructor(
    connection: Connection,
    private readonly models: Models,
    private readonly audit: AuditLog,
    private readonly locks: TicketLocks,
    private readonly bus: DomainEventBus,
    private readonly compose: ComposeService,
    private readonly settings: InboxAutomationSettings,
    private readonly secret: string,
    private readonly publicUrl: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.db = csatModels(connection);
  }

  /** Reacts to solves published in this process; the unique request id makes a duplicate reaction a no-op. */
  listen(): () => void {
    return this.bus.subscribe((e) => {
      // A macro that solves publishes its change as 'status' too.
      if (e.type !== 'ticket.updated' || e.change !== 'status' || e.ticket.status !== 'solved') return;
      this.requestFor(e.ticket.id).catch((err: unknown) => this.logger.error({ err, ticketId: e.ticket.id }, 'rating request failed'));
    });
  }

  /** Asks the customer of a solved ticket for a rating, once per solve (the insert of the request decides). */
  async requestFor(ticketId: string): Promise<'requested' | 'already' | 'off' | 'not-solved'> {
    const ticket = await this.models.Ticket.findById(ticketId).lean();
    if (!ticket || ticket.status !== 'solved' || !ticket.solvedAt || ticket.mergedInto) return 'not-solved';
    const settings = await this.settings.get(String(ticket.inboxId));
    const mode = csatModeOf(ticket.channel);
    if (!settings.csat.enabled || !mode) return 'off';
    const now = this.clock.now();
    const request: CsatRequest = {
      _id: `${ticketId}:${ticket.solvedAt.getTime()}`,
      ticketId,
      inboxId: String(ticket.inboxId),
      channel: ticket.channel,
      requestedAt: now,
      expiresAt: new Date(now.getTime() + settings.csat.windowDays * DAY_MS),
    };
    try {
      await this.db.Request.collection.insertOne(request as never);
    } catch (err) {
      if (isDuplicateKeyError(err)) return 'already';
      throw err;
    }
    const language = await this.languageOf(ticket, settings.defaultLanguage);
    const link = `${this.publicUrl}/csat/${signCsatToken(this.secret, request._id)}`;
    const fresh = await this.locks.run(ticketId, async () => {
      // Who has the ticket now: the rating is theirs in the reports, even if it is changed after a transfer.
      const asked = { departmentId: ticket.departmentId ? String(ticket.departmentId) : null, assigneeId: ticket.assigneeId ? String(ticket.assigneeId) : null };
      await this.models.Ticket.updateOne({ _id: ticket._id }, { $set: { csat: { requestId: request._id, requestedAt: now, ...asked } } });
      return (await this.models.Ticket.findById(ticket._id).lean())!;
    });
    if (mode !== 'link' && ticket.replyTo.conversationId) {
      const key = awaitingKey(request.inboxId, ticket.replyTo.conversationId);
      await this.db.Awaiting.replaceOne({ _id: key }, { _id: key, requestId: request._id, expiresAt: request.expiresAt }, { upsert: true });
    }
    const a = await this.audit.append(ticket._id, 'csat.requested', system, { requestId: request._id, channel: ticket.channel, mode, language, expiresAt: request.expiresAt });
    this.bus.publish({ type: 'ticket.csat_requested', seq: a.seq, at: a.at.toISOString(), scope: ticketScope(fresh), channel: ticket.channel });
    await this.compose.sendAutomatic(fresh, csatRequestText(language, mode, ticket.number, link), 'message.csat_request_queued', { requestId: request._id });
    this.logger.info({ ticketId, requestId: request._id, mode }, 'rating requested');
    return 'requested';
  }

  /** The rating page's answer: a forged token is 404, an expired request 410. */
  async rateByToken(token: string, answer: CsatAnswer): Promise<CsatPage> {
    await this.rate(this.requestIdOf(token), answer, 'link');
    return this.page(token);
  }


  /** What the public page shows for a token (404 forged, 410 expired). */
  async page(token: string): Promise<CsatPage> {
    const request = await this.load(this.requestIdOf(token));
    if (request.expiresAt.getTime() <= this.clock.now().getTime()) throw new AppError('CSAT_EXPIRED', 'This rating request has expired');
    const ticket = await this.models.Ticket.findById(request.ticketId).lean();
    if (!ticket) throw new NotFoundError('Rating request');
    const settings = await this.settings.get(request.inboxId);
    return {
      ticketNumber: ticket.number,
      language: await this.languageOf(ticket, settings.defaultLanguage),
      rating: request.rating ?? null,
      comment: request.comment ?? null,
      expiresAt: request.expiresAt,
    };
  }

  /** Language of the rating page before the token is checked (its error pages), by the token's inbox default. */
  async languageHint(token: string): Promise<CustomerLanguage | null> {
    const id = verifyCsatToken(this.secret, token);
    const request = id ? await this.db.Request.findById(id).lean() : null;
    return request ? (await this.settings.get(request.inboxId)).defaultLanguage : null;
  }

  /**
   * A chat-app message that answers a pending request ("4 great"): recorded as the rating instead of
   * becoming a message that reopens the solved ticket. Called by ingest before placement; `_id` read only.
   */
  async interceptReply(event: MessageReceived, kind: string): Promise<boolean> {
    if (kind !== 'whatsapp' && kind !== 'telegram' && kind !== 'sms' && kind !== 'messenger') return false;
    if (event.fromUs || event.automated || event.attachments.length > 0 || !event.text) return false;
    const answer = parseRatingReply(event.text);
    if (!answer) return false;
    const key = awaitingKey(event.inboxId, event.threading.conversationId);
    const awaiting = await this.db.Awaiting.findById(key).lean();
    if (!awaiting || awaiting.expiresAt.getTime() <= this.clock.now().getTime()) return false;
    // The question was about a solve. A customer who reopened the ticket since (or whose ticket was merged
    // into another) is talking to an agent again: their "3" answers the agent and must not vanish as a rating.
    if (!(await this.stillAsked(awaiting.requestId))) {
      await this.db.Awaiting.deleteOne({ _id: key, requestId: awaiting.requestId });
      return false;
    }
    try {
      await this.rate(awaiting.requestId, answer, 'reply');
    } catch (err) {
      if (err instanceof AppError && err.callerFault) return false; // superseded or expired: a normal message
      throw err;
    }
    // Only the next answer is the rating: what the customer writes after it is a normal message again.
    await this.db.Awaiting.deleteOne({ _id: key });
    return true;
  }

  /** The request's ticket is still at the solve it asked about (solved, or closed after it; not merged). */
  private async stillAsked(requestId: string): Promise<boolean> {
    const request = await this.db.Request.findById(requestId).lean<CsatRequest>();
    const ticket = request ? await this.models.Ticket.findById(request.ticketId, { status: 1, mergedInto: 1, csat: 1 }).lean() : null;
    if (!ticket || ticket.mergedInto || ticket.csat?.requestId !== requestId) return false;
    return ticket.status === 'solved' || ticket.status === 'closed';
  }

  /** The web chat visitor's buttons (the visitor cookie names the conversation). */
  async rateConversation(inboxId: string, conversationId: string, answer: CsatAnswer): Promise<{ ticketNumber: number; rating: number }> {
    const awaiting = await this.db.Awaiting.findById(awaitingKey(inboxId, conversationId)).lean();
    if (!awaiting) throw new NotFoundError('Rating request');
    // Buttons left on a page from before the visitor reopened the conversation rate a solve that is over.
    if (!(await this.stillAsked(awaiting.requestId))) throw new ConflictError('CSAT_SUPERSEDED', 'The conversation was reopened after this question; it can no longer be answered');
    const ticket = await this.rate(awaiting.requestId, answer, 'webchat');
    return { ticketNumber: ticket.number, rating: answer.rating };
  }

  /** The web chat's open question for a visitor, if any (drawn again after a page reload). */
  async pendingFor(inboxId: string, conversationId: string): Promise<{ ticketNumber: number; rating: number | null } | null> {
    const awaiting = await this.db.Awaiting.findById(awaitingKey(inboxId, conversationId)).lean();
    if (!awaiting || awaiting.expiresAt.getTime() <= this.clock.now().getTime()) return null;
    if (!(await this.stillAsked(awaiting.requestId))) return null;
    const request = await this.db.Request.findById(awaiting.requestId).lean();
    const ticket = request ? await this.models.Ticket.findById(request.ticketId).lean() : null;
    return ticket && request ? { ticketNumber: ticket.number, rating: request.rating ?? null } : null;
  }

  /** Records (or, within the window, replaces) the answer to one request. */
  private async rate(requestId: string, answer: CsatAnswer, via: Via): Promise<Ticket> {
    const request = await this.load(requestId);
    const now = this.clock.now();
    if (request.expiresAt.getTime() <= now.getTime()) throw new AppError('CSAT_EXPIRED', 'This rating request has expired');
    const { before, after } = await this.locks.run(request.ticketId, async () => {
      const current = await this.models.Ticket.findById(request.ticketId).lean();
      if (!current) throw new NotFoundError('Rating request');
      // A reopen and a new solve asked again: only the newest question may be answered.
      if (current.csat?.requestId !== requestId) throw new ConflictError('CSAT_SUPERSEDED', 'A newer rating request replaced this one');
      // Who had the ticket when asked stays with the answer (reports count it for them).
      const asked = current.csat.departmentId !== undefined ? { departmentId: current.csat.departmentId ?? null, assigneeId: current.csat.assigneeId ?? null } : {};
      const csat = { requestId, requestedAt: request.requestedAt, ...asked, rating: answer.rating, ratedAt: now, ...(answer.comment ? { comment: answer.comment } : {}) };
      await this.models.Ticket.updateOne({ _id: current._id }, { $set: { csat } });
      return { before: current, after: (await this.models.Ticket.findById(current._id).lean())! };
    });
    await this.db.Request.updateOne(
      { _id: requestId },
      { $set: { rating: answer.rating, ratedAt: now, comment: answer.comment ?? '' } },
    );
    const previous = before.csat?.rating ? { rating: before.csat.rating, comment: before.csat.comment ?? null } : null;
    const a = await this.audit.append(after._id, 'csat.rated', { type: 'contact', id: String(after.contactId) }, { requestId, rating: answer.rating, comment: answer.comment, via, replaced: previous });
    this.bus.publish({ type: 'ticket.csat_rated', seq: a.seq, at: a.at.toISOString(), scope: ticketScope(after), rating: answer.rating, comment: answer.comment });
    this.logger.info({ ticketId: request.ticketId, rating: answer.rating, via }, 'rating recorded');
    return after;
  }

  private requestIdOf(token: string): string {
    const id = verifyCsatToken(this.secret, token);
    if (!id) throw new NotFoundError('Rating request');
    return id;
  }

  private async load(requestId: string): Promise<CsatRequest> {
    const request = await this.db.Request.findById(requestId).lean<CsatRequest>();
    if (!request) throw new NotFoundError('Rating request');
    return request;
  }

  /** The contact's language, else a guess from their latest words on the ticket, else the inbox default. */
  private async languageOf(ticket: Ticket, fallback: CustomerLanguage): Promise<CustomerLanguage> {
    const contact = await this.models.Contact.findById(ticket.contactId).lean();
    if (contact?.language) return languageFor(contact.language, undefined, fallback);
    const last = await this.lastCustomerMessage(ticket);
    return languageFor(undefined, `${ticket.subject} ${last?.text ?? ''}`, fallback);
  }

  /**
   * The customer's newest message on the ticket, through its thread entries (reads by `_id`: the query by
   * ticket is a read of every message on the embedded database, and this runs at every solve); the newest
   * LANGUAGE_SAMPLE messages are looked at. A ticket without entries is asked by query.
   */
  private async lastCustomerMessage(ticket: Ticket): Promise<Message | null> {
    const entries = await entriesOf(this.models, ticket);
    if (!entries) return this.models.Message.findOne({ ticketId: ticket._id, direction: 'inbound' }).sort({ occurredAt: -1 }).lean<Message>();
    for (const id of newestMessageIds(entries, LANGUAGE_SAMPLE)) {
      const message = await this.models.Message.findById(id).lean<Message>();
      if (message && String(message.ticketId) === String(ticket._id) && message.direction === 'inbound') return message;
    }
    return null;
  }
}
