import type { SlaCalendarDoc } from '../../core/models/sla-calendar.js';
import { weekFromHours } from '../../core/sla/week-hours.js';
import type { SlaPolicyDoc } from '../../core/models/sla-policy.js';

export function toSlaCalendarView(c: SlaCalendarDoc) {
  return {
    id: String(c._id),
    name: c.name,
    timeZone: c.timeZone,
    week: weekFromHours(c.hours),
    holidays: c.holidays,
    departmentIds: c.departmentIds.map(String),
    isDefault: c.isDefault,
  };
}

export function toSlaPolicyView(p: SlaPolicyDoc) {
  const row = (r: SlaPolicyDoc['targets']['normal']) => ({
    firstResponseMinutes: r.firstResponseMinutes ?? null,
    nextResponseMinutes: r.nextResponseMinutes ?? null,
    resolutionMinutes: r.resolutionMinutes ?? null,
  });
  return {
    id: String(p._id),
    name: p.name,
    targets: { urgent: row(p.targets.urgent), high: row(p.targets.high), normal: row(p.targets.normal), low: row(p.targets.low) },
    inboxId: p.inboxId ? String(p.inboxId) : null,
    channel: p.channel ?? null,
    contactTag: p.contactTag ?? null,
  };
}
