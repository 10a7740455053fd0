import type { Types } from 'mongoose';
import type { ChannelKind } from '../domain/channel-kind.js';
import type { Models } from '../models/registry.js';
import { weekFromHours } from './week-hours.js';
import type { TicketPriority } from '../tickets/ticket-enums.js';
import type { BusinessCalendar, CalendarOrAlways } from './business-calendar.js';
import { pickPolicy, type PolicyCandidate } from './pick-policy.js';
import type { AppliedPolicy } from './sla-targets.js';

/** How long another process's policy or calendar edit may take to be seen here (this process's own: at once). */
const TTL_MS = 5_000;

interface Snapshot {
  policies: PolicyCandidate[];
  byDepartment: Map<string, BusinessCalendar>;
  fallback: CalendarOrAlways;
  loadedAt: number;
}

export interface PolicyQuery {
  inboxId: Types.ObjectId | string;
  channel: ChannelKind;
  contactId: Types.ObjectId | string;
  departmentId?: Types.ObjectId | string | null;
  priority: TicketPriority;
}

/**
 * Policies and calendars, read whole (a handful of documents) and kept for a few seconds: every new
 * ticket and every SLA-relevant change asks which policy applies, and on the embedded database each
 * query is a scan.
 */
export class SlaDirectory {
  private snapshot: Snapshot | undefined;
  private loading: Promise<Snapshot> | undefined;

  constructor(private readonly models: Models) {}

  /** After an edit in this process. */
  invalidate(): void {
    this.snapshot = undefined;
  }

  async applies(q: PolicyQuery): Promise<AppliedPolicy> {
    const [snap, contactTags] = await Promise.all([this.current(), this.contactTags(q.contactId)]);
    const calendar = (q.departmentId ? snap.byDepartment.get(String(q.departmentId)) : undefined) ?? snap.fallback;
    return pickPolicy(snap.policies, { inboxId: String(q.inboxId), channel: q.channel, contactTags, priority: q.priority }, calendar);
  }

  /** A contact's tags (its customer group, `Contact.tags`). Skipped when no policy asks. */
  private async contactTags(contactId: Types.ObjectId | string): Promise<string[]> {
    const snap = await this.current();
    if (!snap.policies.some((p) => p.contactTag)) return [];
    const doc = await this.models.Contact.findById(contactId, { tags: 1 }).lean();
    return (doc?.tags ?? []).map((t) => t.toLowerCase());
  }

  private async current(): Promise<Snapshot> {
    if (this.snapshot && Date.now() - this.snapshot.loadedAt < TTL_MS) return this.snapshot;
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return (this.snapshot = await this.loading);
  }

  private async load(): Promise<Snapshot> {
    const [policies, calendars] = await Promise.all([this.models.SlaPolicy.find().lean(), this.models.SlaCalendar.find().sort({ createdAt: 1 }).lean()]);
    const byDepartment = new Map<string, BusinessCalendar>();
    let fallback: CalendarOrAlways = null;
    for (const c of calendars) {
      const cal: BusinessCalendar = { timeZone: c.timeZone, week: weekFromHours(c.hours), holidays: c.holidays };
      for (const d of c.departmentIds) if (!byDepartment.has(String(d))) byDepartment.set(String(d), cal);
      if (c.isDefault && !fallback) fallback = cal;
    }
    return {
      policies: policies.map((p) => ({
        id: String(p._id),
        name: p.name,
        targets: p.targets,
        createdAt: p.createdAt,
        ...(p.inboxId ? { inboxId: String(p.inboxId) } : {}),
        ...(p.channel ? { channel: p.channel } : {}),
        ...(p.contactTag ? { contactTag: p.contactTag } : {}),
      })),
      byDepartment,
      fallback,
      loadedAt: Date.now(),
    };
  }
}
