import type { ChannelKind } from '../domain/channel-kind.js';
import type { TicketPriority } from '../tickets/ticket-enums.js';
import type { CalendarOrAlways } from './business-calendar.js';
import { DEFAULT_POLICY_ID, defaultTargets, type AppliedPolicy, type TargetsByPriority } from './sla-targets.js';

export interface PolicyCandidate {
  id: string;
  name: string;
  targets: TargetsByPriority;
  inboxId?: string;
  channel?: ChannelKind;
  contactTag?: string;
  createdAt: Date;
}

export interface TicketFacts {
  inboxId: string;
  channel: ChannelKind;
  contactTags: readonly string[];
  priority: TicketPriority;
}

export const DEFAULT_POLICY_NAME = 'Default';

/**
 * How specific a policy is. A customer group outranks where the ticket came from (a VIP is a VIP on every
 * channel); an inbox outranks its channel kind. So: tag+inbox 6 > tag+channel 5 > tag 4 > inbox 2 > channel
 * 1 > everything 0. `-1`: the policy does not match the ticket at all.
 */
export function specificity(p: PolicyCandidate, t: TicketFacts): number {
  if (p.inboxId && p.inboxId !== t.inboxId) return -1;
  if (p.channel && p.channel !== t.channel) return -1;
  if (p.contactTag && !t.contactTags.includes(p.contactTag)) return -1;
  return (p.contactTag ? 4 : 0) + (p.inboxId ? 2 : p.channel ? 1 : 0);
}

/**
 * The most specific matching policy wins; between equals the older one (its meaning was there first,
 * and the answer does not depend on the order the database returns them). None → the built-in table.
 */
export function pickPolicy(policies: readonly PolicyCandidate[], t: TicketFacts, calendar: CalendarOrAlways): AppliedPolicy {
  let best: PolicyCandidate | undefined;
  let bestScore = -1;
  for (const p of policies) {
    const s = specificity(p, t);
    if (s > bestScore || (s === bestScore && s >= 0 && best && p.createdAt < best.createdAt)) {
      best = p;
      bestScore = s;
    }
  }
  // `default:<priority>`, as tickets stored before policies existed say.
  if (!best) return { id: `${DEFAULT_POLICY_ID}:${t.priority}`, name: DEFAULT_POLICY_NAME, targets: defaultTargets[t.priority], calendar };
  return { id: best.id, name: best.name, targets: best.targets[t.priority], calendar };
}
