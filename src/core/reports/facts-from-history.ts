import { dayBucket } from '../time/day-bucket.js';
import { NONE, secondsBetween, slaMet, type Fact } from './report-facts.js';
import { statusFlow, statusFlowAuditTypes } from './status-flow.js';

/** What a rebuild knows of a ticket: the stored ticket, its messages and its audit history. */
export interface TicketHistory {
  ticket: {
    _id: unknown;
    inboxId: unknown;
    channel: string;
    departmentId?: unknown;
    assigneeId?: unknown;
    sla?: { firstResponseDueAt?: Date | null; resolutionDueAt?: Date | null };
    firstResponseAt?: Date | null;
    createdAt: Date;
  };
  messages: Array<{ _id: unknown; direction: string; kind: string; author: { type: string; userId?: unknown }; occurredAt: Date }>;
  audit: Array<{ seq: number; type: string; dataJson: string; ref?: string | null; at: Date }>;
}

const str = (v: unknown) => (v === undefined || v === null || v === '' ? NONE : String(v));

/**
 * Every fact of one ticket, from its history: the same ids, times and dimensions the live feed records
 * (`report-feed.ts`), so a rebuild after live processing changes nothing. Department and assignee are
 * replayed from the audit trail (`ticket.transferred`, `ticket.assigned`); before the first change they
 * are that change's `from`, or the ticket's current values when nothing changed.
 */
export function factsFromHistory(h: TicketHistory, timeZone: string): Fact[] {
  const t = h.ticket;
  const ticketId = String(t._id);
  const inbox = String(t.inboxId);
  const channel = t.channel;
  const audit = [...h.audit].sort((a, b) => a.seq - b.seq);
  const data = (a: (typeof audit)[number]) => JSON.parse(a.dataJson) as Record<string, unknown>;
  const firstTransfer = audit.find((a) => a.type === 'ticket.transferred');
  const firstAssign = audit.find((a) => a.type === 'ticket.assigned');
  let dept = firstTransfer ? str(data(firstTransfer).from) : str(t.departmentId);
  let agent = firstAssign ? str(data(firstAssign).from) : str(t.assigneeId);
  const dimsAtMessage = new Map<string, { dept: string; agent: string }>();
  let csatRequestDay: string | undefined;
  /** Who had the ticket when the question was asked: the rating is counted for them (as live, report-feed.ts). */
  let csatAsked: { dept: string; agent: string } | undefined;
  const ratings = new Map<string, Fact>();
  const facts: Fact[] = [];
  const fact = (id: string, kind: Fact['kind'], at: Date, extra: Partial<Fact> = {}): Fact => ({
    id,
    kind,
    day: dayBucket(at, timeZone),
    inbox,
    channel,
    dept,
    agent,
    ...extra,
  });

  for (const a of audit) {
    if (a.type === 'ticket.transferred') dept = str(data(a).to);
    else if (a.type === 'ticket.assigned') agent = str(data(a).to);
    else if (a.type === 'ticket.created') facts.push(fact(`created:${ticketId}`, 'created', a.at));
    else if (a.type === 'csat.requested') {
      csatRequestDay = dayBucket(a.at, timeZone);
      csatAsked = { dept, agent };
      facts.push(fact(`csatreq:${ticketId}:${a.seq}`, 'csatReq', a.at));
    } else if (a.type === 'csat.rated') {
      // Counted on the request's day; a changed rating for the same request replaces the earlier one.
      const day = csatRequestDay ?? dayBucket(a.at, timeZone);
      const rating = Number(data(a).rating);
      if (rating >= 1 && rating <= 5) ratings.set(day, { ...fact(`csat:${ticketId}:${day}`, 'csat', a.at), ...csatAsked, day, rating });
    }
    else if (statusFlowAuditTypes.has(a.type)) {
      const flow = statusFlow(a.type, data(a));
      if (flow === 'resolved') {
        const sla = slaMet(a.at, t.sla?.resolutionDueAt);
        facts.push(fact(`resolved:${ticketId}:${a.seq}`, 'resolved', a.at, { seconds: secondsBetween(t.createdAt, a.at), ...(sla !== undefined ? { slaMet: sla } : {}) }));
      } else if (flow === 'reopened') facts.push(fact(`reopened:${ticketId}:${a.seq}`, 'reopened', a.at));
      else if (flow === 'closedUnsolved') facts.push(fact(`closed:${ticketId}:${a.seq}`, 'closedUnsolved', a.at));
    }
    if (a.ref?.startsWith('message:')) dimsAtMessage.set(a.ref.slice('message:'.length), { dept, agent });
  }
  facts.push(...ratings.values());
  const now = { dept, agent };

  const replies = h.messages.filter((m) => m.direction === 'outbound' && m.kind === 'message' && m.author.type === 'agent');
  for (const m of h.messages) {
    if (m.kind !== 'message') continue;
    const id = String(m._id);
    const dims = dimsAtMessage.get(id) ?? now;
    const base = { day: dayBucket(m.occurredAt, timeZone), inbox, channel, dept: dims.dept };
    if (m.direction === 'inbound') facts.push({ id: `in:${id}`, kind: 'in', ...base, agent: dims.agent });
    else if (replies.includes(m)) facts.push({ id: `out:${id}`, kind: 'out', ...base, agent: str(m.author.userId) });
  }
  if (t.firstResponseAt) {
    const at = t.firstResponseAt;
    const first = replies.find((m) => m.occurredAt.getTime() === at.getTime());
    if (first) {
      const dims = dimsAtMessage.get(String(first._id)) ?? now;
      const sla = slaMet(at, t.sla?.firstResponseDueAt);
      facts.push({
        id: `frt:${ticketId}`,
        kind: 'frt',
        day: dayBucket(at, timeZone),
        inbox,
        channel,
        dept: dims.dept,
        agent: str(first.author.userId),
        seconds: secondsBetween(t.createdAt, at),
        ...(sla !== undefined ? { slaMet: sla } : {}),
      });
    }
  }
  return facts;
}
