import { Types } from 'mongoose';
import type { Logger } from 'pino';
import type { DomainEvent } from '../events/domain-events.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';
import { dayBucket } from '../time/day-bucket.js';
import { NONE, secondsBetween, slaMet, type Fact } from './report-facts.js';
import { availabilityFacts, type AvailabilityLog } from './availability-log.js';
import { statusFlow, statusFlowAuditTypes, type StatusFlow } from './status-flow.js';
import { auditEventId } from '../audit/audit-event-id.js';

const str = (v: unknown) => (v === undefined || v === null || v === '' ? NONE : String(v));

type TicketFields = Pick<Ticket, '_id' | 'inboxId' | 'channel' | 'sla' | 'firstResponseAt' | 'createdAt'> & { csat?: { requestedAt?: Date | null; departmentId?: string | null; assigneeId?: string | null } | null };

/**
 * Turns domain events into facts (see `report-facts.ts`), reading the ticket or the message by `_id`
 * only when the event does not carry what the fact needs. Produces exactly the facts
 * `factsFromHistory` derives from the stored history, so live processing and a rebuild agree.
 */
export class ReportFeed {
  constructor(
    private readonly models: Models,
    private readonly timeZone: string,
    private readonly logger: Logger,
    private readonly availability: AvailabilityLog,
  ) {}

  async factsOf(event: DomainEvent): Promise<Fact[]> {
    const tz = this.timeZone;
    switch (event.type) {
      case 'ticket.created': {
        const t = event.ticket;
        return [{ id: `created:${t.id}`, kind: 'created', day: dayBucket(new Date(event.at), tz), inbox: t.inboxId, channel: t.channel, dept: str(t.departmentId), agent: str(t.assigneeId) }];
      }
      case 'ticket.updated': {
        const t = event.ticket;
        const at = new Date(event.at);
        const base = { day: dayBucket(at, tz), inbox: t.inboxId, channel: t.channel, dept: str(t.departmentId), agent: str(t.assigneeId) };
        if (event.change === 'reopened') return [{ id: `reopened:${t.id}:${event.seq}`, kind: 'reopened', ...base }];
        if ((event.change === 'status' || event.change === 'merged') && t.status !== 'solved') {
          // Closed without a solve, or set open again: the change's own audit event says from what.
          const flow = await this.flowOf(t.id, event.seq);
          if (flow === 'reopened') return [{ id: `reopened:${t.id}:${event.seq}`, kind: 'reopened', ...base }];
          if (flow === 'closedUnsolved') return [{ id: `closed:${t.id}:${event.seq}`, kind: 'closedUnsolved', ...base }];
          return [];
        }
        if (event.change === 'status' && t.status === 'solved') {
          const ticket = await this.ticket(t.id);
          if (!ticket) return [];
          const sla = slaMet(at, ticket.sla?.resolutionDueAt);
          return [{ id: `resolved:${t.id}:${event.seq}`, kind: 'resolved', ...base, seconds: secondsBetween(ticket.createdAt, at), ...(sla !== undefined ? { slaMet: sla } : {}) }];
        }
        return [];
      }
      case 'message.created': {
        const m = event.message;
        if (m.kind !== 'message') return [];
        const occurred = new Date(m.occurredAt);
        const dept = str(event.scope.departmentId);
        if (m.direction === 'inbound') {
          const inbox = event.ticket?.inboxId ?? (await this.ticket(m.ticketId))?.inboxId;
          if (!inbox) return [];
          return [{ id: `in:${m.id}`, kind: 'in', day: dayBucket(occurred, tz), inbox: String(inbox), channel: m.channel, dept, agent: str(event.scope.assigneeId) }];
        }
        if (m.direction !== 'outbound' || m.authorType !== 'agent') return [];
        const [message, ticket] = await Promise.all([
          this.models.Message.findById(m.id, { author: 1 }).lean(),
          this.ticket(m.ticketId),
        ]);
        if (!message || !ticket) return [];
        const agent = str(message.author.userId);
        const base = { inbox: String(ticket.inboxId), channel: ticket.channel, dept, agent };
        const facts: Fact[] = [{ id: `out:${m.id}`, kind: 'out', day: dayBucket(occurred, tz), ...base }];
        if (ticket.firstResponseAt && ticket.firstResponseAt.getTime() === occurred.getTime()) {
          const sla = slaMet(ticket.firstResponseAt, ticket.sla?.firstResponseDueAt);
          facts.push({
            id: `frt:${m.ticketId}`,
            kind: 'frt',
            day: dayBucket(ticket.firstResponseAt, tz),
            ...base,
            seconds: secondsBetween(ticket.createdAt, ticket.firstResponseAt),
            ...(sla !== undefined ? { slaMet: sla } : {}),
          });
        }
        return facts;
      }
      case 'ticket.csat_requested': {
        const ticket = await this.ticket(event.scope.ticketId);
        if (!ticket) return [];
        const base = { inbox: String(ticket.inboxId), channel: ticket.channel, dept: str(event.scope.departmentId), agent: str(event.scope.assigneeId) };
        return [{ id: `csatreq:${event.scope.ticketId}:${event.seq}`, kind: 'csatReq', day: dayBucket(new Date(event.at), tz), ...base }];
      }
      case 'ticket.csat_rated': {
        const ticket = await this.ticket(event.scope.ticketId);
        if (!ticket) return [];
        // Counted on the day the question was asked: a changed rating replaces the fact in the same bucket.
        const day = dayBucket(ticket.csat?.requestedAt ?? new Date(event.at), tz);
        // And for whoever had the ticket when the question was asked: a rating changed after a transfer landed
        // in a second bucket under the same fact id, counted twice (a rebuild counted it once).
        const asked = ticket.csat && ticket.csat.departmentId !== undefined ? ticket.csat : undefined;
        const base = {
          inbox: String(ticket.inboxId),
          channel: ticket.channel,
          dept: str(asked ? asked.departmentId : event.scope.departmentId),
          agent: str(asked ? asked.assigneeId : event.scope.assigneeId),
        };
        return [{ id: `csat:${event.scope.ticketId}:${day}`, kind: 'csat', day, ...base, rating: event.rating }];
      }
      case 'user.availability_changed': {
        const closed = await this.availability.change(event.userId, event.availability, new Date(event.at));
        return closed ? availabilityFacts(closed, tz) : [];
      }
      default:
        return [];
    }
  }

  private async flowOf(ticketId: string, seq: number): Promise<StatusFlow | null> {
    if (!Types.ObjectId.isValid(ticketId)) return null;
    const a = await this.models.AuditEvent.findById(auditEventId(ticketId, seq), { type: 1, dataJson: 1 }).lean();
    if (!a) {
      this.logger.warn({ ticketId, seq }, 'report feed: audit event of a status change not found');
      return null;
    }
    return statusFlowAuditTypes.has(a.type) ? statusFlow(a.type, JSON.parse(a.dataJson) as Record<string, unknown>) : null;
  }

  private async ticket(id: string): Promise<TicketFields | null> {
    if (!Types.ObjectId.isValid(id)) return null;
    const t = (await this.models.Ticket.findById(id, { inboxId: 1, channel: 1, sla: 1, firstResponseAt: 1, createdAt: 1, csat: 1 }).lean()) as TicketFields | null;
    if (!t) this.logger.warn({ ticketId: id }, 'report feed: ticket not found');
    return t;
  }
}
