import { normalizeTag } from '../tickets/tag.js';
import { containsKeyword } from './normalize-text.js';
import { inTimeWindow, type TimeWindow } from './time-window.js';

export interface RuleConditions {
  inboxIds: readonly string[];
  channels: readonly string[];
  keywords: readonly string[];
  contactTags: readonly string[];
  timeWindow?: TimeWindow | undefined;
}

/** What a rule can look at when a ticket is created. */
export interface RoutingFacts {
  inboxId: string;
  channel: string;
  subject: string;
  text: string;
  contactTags: readonly string[];
  at: Date;
}

/**
 * A rule matches when every condition it sets holds; an empty list sets no
 * condition. Within one condition any value will do (inbox A or B; keyword
 * "refund" or "reembolso").
 */
export function ruleMatches(c: RuleConditions, f: RoutingFacts): boolean {
  if (c.inboxIds.length && !c.inboxIds.includes(f.inboxId)) return false;
  if (c.channels.length && !c.channels.includes(f.channel)) return false;
  if (c.keywords.length && !containsKeyword(`${f.subject}\n${f.text}`, c.keywords)) return false;
  if (c.contactTags.length) {
    const tags = f.contactTags.map(normalizeTag);
    if (!c.contactTags.some((t) => tags.includes(normalizeTag(t)))) return false;
  }
  // A stored rule without a window may carry an empty one (no time zone): no condition.
  if (c.timeWindow?.timeZone && !inTimeWindow(f.at, c.timeWindow)) return false;
  return true;
}

/** Rules in order; the first that matches wins. */
export function firstMatch<R extends { enabled: boolean; conditions: RuleConditions }>(rules: readonly R[], facts: RoutingFacts): R | undefined {
  return rules.find((r) => r.enabled && ruleMatches(r.conditions, facts));
}
