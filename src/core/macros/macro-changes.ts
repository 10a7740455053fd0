import type { Ticket } from '../models/ticket.js';
import type { SlaChange } from '../sla/sla-lifecycle.js';
import type { TicketPriority, TicketStatus } from '../tickets/ticket-enums.js';
import type { TicketChange } from '../tickets/ticket-service.js';
import type { MacroActions } from './macro.js';

/**
 * The ticket part of a macro as one change: status, priority and tags in a single update and a single
 * `macro.applied` audit event naming the macro, its actions and what actually changed. A status change keeps
 * the fields the status rules set (solvedAt; the SLA engine recomputes the due times) and `to` at the top, as `ticket.status_changed` has,
 * so reports count a solve by macro as a resolution. Null when nothing would change.
 */
export function macroChange(t: Ticket, macro: { id: string; name: string; actions: MacroActions }, now: Date): TicketChange {
  const { actions } = macro;
  const set: Record<string, unknown> = {};
  const unset: Record<string, unknown> = {};
  const changes: Record<string, unknown> = {};
  let sla: SlaChange | undefined;

  if (actions.priority && actions.priority !== t.priority) {
    set.priority = actions.priority;
    sla = { kind: 'priority', from: t.priority as TicketPriority, to: actions.priority };
    changes.priority = { from: t.priority, to: actions.priority };
  }
  const tags = [...new Set([...t.tags.filter((x) => !actions.tagsRemove.includes(x)), ...actions.tagsAdd])];
  if (tags.length !== t.tags.length || !tags.every((x) => t.tags.includes(x))) {
    set.tags = tags;
    changes.tags = { added: actions.tagsAdd.filter((x) => !t.tags.includes(x)), removed: actions.tagsRemove.filter((x) => t.tags.includes(x)), tags };
  }
  let statusTo: string | undefined;
  if (actions.status && actions.status !== t.status) {
    set.status = actions.status;
    if (actions.status === 'solved') set.solvedAt = now;
    else unset.solvedAt = 1;
    // A status change also pauses, resumes or stops the clocks: it wins over a priority change, whose
    // new targets the recompute reads from the changed ticket anyway.
    sla = { kind: 'status', from: t.status as TicketStatus, to: actions.status };
    statusTo = actions.status;
    changes.status = { from: t.status, to: actions.status };
  }
  if (!Object.keys(changes).length) return null;
  return {
    update: { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}) },
    audit: {
      type: 'macro.applied',
      data: { macroId: macro.id, name: macro.name, actions, changes, ...(statusTo ? { from: t.status, to: statusTo } : {}) },
    },
    change: statusTo ? 'status' : 'macro',
    ...(sla ? { sla } : {}),
  };
}
