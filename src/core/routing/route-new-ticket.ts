import { Types, type Connection } from 'mongoose';
import type { Logger } from 'pino';
import { systemActor, type AuditLog } from '../audit/audit-log.js';
import { cannedResponseModel } from '../canned/canned-response.js';
import { cannedVars } from '../canned/template-vars.js';
import { fillCustomerTemplate } from '../automation/customer-texts.js';
import type { DomainEvent } from '../events/domain-events.js';
import type { DomainEventBus } from '../events/event-bus.js';
import type { JustWritten } from '../events/just-written.js';
import { ticketScope, toTicketSummary } from '../events/views.js';
import type { Models } from '../models/registry.js';
import type { RoutingRule } from '../models/routing-rule.js';
import type { Ticket } from '../models/ticket.js';
import type { SlaEngine } from '../sla/sla-engine.js';
import type { TicketPriority } from '../tickets/ticket-enums.js';
import type { TicketLocks } from '../tickets/ticket-locks.js';
import { firstMatch, type RoutingFacts } from './match-rule.js';
import type { RoutingRuleService } from './routing-rule-service.js';

/** Sends a rule's canned auto-reply on the ticket's channel (the durable outbound path). */
export type AutoReplySender = (ticket: Ticket, text: string) => Promise<void>;

/**
 * Runs after a ticket is routed (or found no rule): automatic assignment takes it from there.
 * `departmentId`: the department no rule moved it out of, when known (null: none), so assignment need
 * not read the ticket to learn that its department assigns by hand; undefined: unknown, read it.
 */
export type AfterRouting = (ticketId: string, departmentId?: string | null) => Promise<void>;

/**
 * Applies the routing rules once, when a ticket is created by an inbound
 * message. It listens for the new ticket's first `message.created` (the
 * ticket and message are written by then, and the event carries the text),
 * applies the first matching rule's actions in one change under the ticket
 * lock, audits it as `ticket.routed` ("routed by rule X") and announces
 * `ticket.updated`; then hands the ticket to assignment.
 */
export class NewTicketRouter {
  /** Tickets announced as created in this process whose first message has not been seen yet. */
  private readonly awaitingFirstMessage = new Set<string>();
  /** Tickets whose rules are being applied now. */
  private readonly routing = new Set<string>();
  private readonly settledListeners: Array<(ticketId: string) => void> = [];
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly models: Models,
    private readonly connection: Connection,
    private readonly rules: RoutingRuleService,
    private readonly audit: AuditLog,
    private readonly locks: TicketLocks,
    private readonly bus: DomainEventBus,
    private readonly logger: Logger,
    private readonly after: AfterRouting,
    private readonly autoReply: AutoReplySender | undefined,
    private readonly sla: SlaEngine,
    private readonly justWritten?: JustWritten,
  ) {}

  start(): () => void {
    return this.bus.subscribe((e) => this.onEvent(e));
  }

  /**
   * Whether a new ticket's department may still change by a rule: created here and its first message not
   * seen yet, or its rules being applied. The realtime layer holds such a ticket's first events until then,
   * so they do not reach the agents of a department it is about to leave (src/realtime/routing-hold.ts).
   */
  mayRoute(ticketId: string): boolean {
    return this.awaitingFirstMessage.has(ticketId) || this.routing.has(ticketId);
  }

  /** Called once a ticket's rules were applied (or none matched, or routing failed), after its `ticket.updated`. */
  onSettled(listener: (ticketId: string) => void): () => void {
    this.settledListeners.push(listener);
    return () => {
      const i = this.settledListeners.indexOf(listener);
      if (i >= 0) this.settledListeners.splice(i, 1);
    };
  }

  private settled(ticketId: string): void {
    this.routing.delete(ticketId);
    for (const listener of [...this.settledListeners]) {
      try {
        listener(ticketId);
      } catch (err) {
        this.logger.warn({ err, ticketId }, 'routing listener failed');
      }
    }
  }

  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private onEvent(e: DomainEvent): void {
    if (e.type === 'ticket.created') {
      this.awaitingFirstMessage.add(e.ticket.id);
      return;
    }
    if (e.type !== 'message.created') return;
    // A ticket an agent started (its first message outbound) is not routed: the agent chose its inbox.
    if (e.message.direction === 'outbound') this.awaitingFirstMessage.delete(e.scope.ticketId);
    if (e.message.direction !== 'inbound') return;
    if (!this.awaitingFirstMessage.delete(e.scope.ticketId)) return;
    const ticketId = e.scope.ticketId;
    // Read before routing, which may consume what was just written.
    const written = this.justWritten?.ticket(ticketId)?.ticket;
    this.routing.add(ticketId);
    const run = this.route(ticketId, e.message.text, e.message.automated)
      .finally(() => this.settled(ticketId))
      .then((rule) => this.after(ticketId, !rule && written ? (written.departmentId ? String(written.departmentId) : null) : undefined))
      .catch((err: unknown) => this.logger.error({ err, ticketId }, 'routing failed'));
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
  }

  /**
   * Applies the first matching rule to a new ticket; returns the rule, or undefined when none matched.
   * `automated`: the first message is an auto-reply or a bounce (routed all the same, never answered).
   */
  async route(ticketId: string, text: string, automated = false): Promise<RoutingRule | undefined> {
    // Only what the ticket was created with is matched (and read again under the lock before changing it).
    const written = this.justWritten?.ticket(ticketId);
    const ticket = written?.ticket ?? (await this.models.Ticket.findById(ticketId).lean());
    if (!ticket) return undefined;
    const contact = written?.contact ?? (await this.models.Contact.findById(ticket.contactId, { tags: 1, name: 1, email: 1 }).lean());
    const facts: RoutingFacts = {
      inboxId: String(ticket.inboxId),
      channel: ticket.channel,
      subject: ticket.subject,
      text,
      contactTags: contact?.tags ?? [],
      at: ticket.createdAt,
    };
    const rule = firstMatch(await this.rules.forRouting(), facts);
    if (!rule) return undefined;
    const a = rule.actions;
    const outcome = await this.locks.run(ticketId, async () => {
      const t = await this.models.Ticket.findById(ticketId).lean();
      if (!t) return null;
      const set: Record<string, unknown> = {};
      if (a.departmentId && Types.ObjectId.isValid(a.departmentId) && (await this.models.Department.exists({ _id: a.departmentId }))) {
        set.departmentId = new Types.ObjectId(a.departmentId);
      }
      if (a.priority && a.priority !== t.priority) set.priority = a.priority;
      if (a.type) set.type = a.type;
      if (a.tags.length) set.tags = [...new Set([...t.tags, ...a.tags])];
      if (a.requiredSkills.length) set.requiredSkills = [...new Set([...(t.requiredSkills ?? []), ...a.requiredSkills])];
      if (Object.keys(set).length) await this.models.Ticket.updateOne({ _id: t._id }, { $set: set });
      return { before: t, after: (await this.models.Ticket.findById(t._id).lean())!, set };
    });
    if (!outcome) return undefined;
    const { before, after, set } = outcome;
    const applied = Object.keys(set);
    const entry = await this.audit.append(after._id, 'ticket.routed', systemActor, {
      ruleId: String(rule._id),
      ruleName: rule.name,
      applied,
      departmentId: after.departmentId ? String(after.departmentId) : null,
      priority: after.priority,
      type: after.type ?? null,
      tags: a.tags,
      requiredSkills: a.requiredSkills,
      cannedResponseId: a.cannedResponseId ?? null,
    });
    const moved = String(before.departmentId ?? '') !== String(after.departmentId ?? '');
    const announce: DomainEvent[] = [];
    announce.push({
      type: 'ticket.updated',
      seq: entry.seq,
      at: entry.at.toISOString(),
      scope: ticketScope(after),
      change: 'routing',
      ticket: toTicketSummary(after),
      ...(moved ? { previousScope: ticketScope(before) } : {}),
    });
    // Due times follow the new priority or department (one recompute covers both: they derive from the
    // anchors, not from the previous due time); their `sla.changed` events come right after `ticket.routed`.
    const priorityChanged = before.priority !== after.priority;
    if (priorityChanged || moved) {
      await this.sla.apply(
        after._id,
        priorityChanged ? { kind: 'priority', from: before.priority as TicketPriority, to: after.priority as TicketPriority } : { kind: 'department' },
        announce,
      );
    }
    for (const e of announce) this.bus.publish(e);
    this.logger.info({ ticketId, ruleId: String(rule._id), applied }, 'ticket routed by rule');
    // Never to an autoresponder or a bounce: its helpdesk would answer ours, each answer a new ticket here.
    if (a.cannedResponseId && this.autoReply && !automated) await this.sendCanned(after, a.cannedResponseId, contact);
    return rule;
  }

  private async sendCanned(ticket: Ticket, cannedId: string, contact: { name?: string; email?: string } | null | undefined): Promise<void> {
    const canned = Types.ObjectId.isValid(cannedId) ? await cannedResponseModel(this.connection).findById(cannedId).lean() : null;
    if (!canned) {
      this.logger.warn({ ticketId: String(ticket._id), cannedId }, 'routing rule names a canned response that no longer exists');
      return;
    }
    // Nobody reads it before it goes: a variable without a value is left out, never sent as typed.
    const text = fillCustomerTemplate(canned.body, cannedVars({ contact, ticket }));
    await this.autoReply!(ticket, text);
  }
}
