/**
 * A fact is one thing that counts, recorded once under a deterministic id, so the same event processed
 * twice (or a rebuild after live processing) lands on the same key:
 *   created:<ticketId>               a ticket was created
 *   in:<messageId> / out:<messageId>  a customer message / an agent reply
 *   frt:<ticketId>                   the first agent reply, with its time from creation
 *   resolved:<ticketId>:<auditSeq>   a move to `solved`, with its time from creation
 *   reopened:<ticketId>:<auditSeq>   a reopen (the customer's message, or a solved/closed ticket set open again)
 *   closed:<ticketId>:<auditSeq>     an open ticket closed without a solve (closed, or merged into another)
 *   csatreq:<ticketId>:<auditSeq>    a CSAT question sent
 *   csat:<ticketId>:<requestDay>     the customer's rating (a later rating for the same request replaces it:
 *                                    it is counted on the request's day, so the replacement lands in the same bucket)
 *   available:<userId>:<since>:<day> / away:…  seconds an agent spent available / away on that day
 * Dimensions are those of the moment of the fact (department and assignee then, day in the org time zone).
 */
export const factKinds = ['created', 'in', 'out', 'frt', 'resolved', 'reopened', 'closedUnsolved', 'csatReq', 'csat', 'available', 'away'] as const;
export type FactKind = (typeof factKinds)[number];

/** No department / no agent. */
export const NONE = '-';

export interface Fact {
  id: string;
  kind: FactKind;
  day: string;
  inbox: string;
  channel: string;
  dept: string;
  agent: string;
  /** Duration in seconds (frt, resolved, available, away). */
  seconds?: number;
  /** CSAT rating 1–5 (csat). */
  rating?: number;
  /** SLA target: met (true), breached (false); absent when the ticket had none. */
  slaMet?: boolean;
}

/** What a rollup bucket keeps of a fact: its dimensions are the bucket's. */
export interface StoredFact {
  k: FactKind;
  s?: number;
  m?: 0 | 1;
  r?: number;
}

export const storedFact = (f: Fact): StoredFact => ({
  k: f.kind,
  ...(f.seconds !== undefined ? { s: f.seconds } : {}),
  ...(f.slaMet !== undefined ? { m: f.slaMet ? 1 : 0 } : {}),
  ...(f.rating !== undefined ? { r: f.rating } : {}),
});

export const sameStoredFact = (a: StoredFact | undefined, b: StoredFact) => !!a && a.k === b.k && a.s === b.s && a.m === b.m && a.r === b.r;

export const secondsBetween = (from: Date, to: Date) => Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000));
export const slaMet = (at: Date, due: Date | undefined | null) => (due ? at.getTime() <= due.getTime() : undefined);
