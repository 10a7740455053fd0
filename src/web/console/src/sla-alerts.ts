import type { Socket } from 'socket.io-client';
import { clock } from './i18n.ts';
import { st } from './sla-i18n.ts';
import { store } from './store.ts';
import type { TicketSummary } from './types.ts';

interface SlaAlert {
  kind: 'warning' | 'breach';
  target: 'firstResponse' | 'nextResponse' | 'resolution';
  dueAt: string;
  scope: { ticketId: string; departmentId: string | null; assigneeId: string | null };
  ticket: TicketSummary;
  escalation?: { priorityTo: string };
}

/**
 * SLA warnings and breaches, live. The server sends them to every supervisor and to the assignee; shown to
 * the assignee and to the supervisors of the ticket's department (all of them when they have none).
 */
export function listenSlaAlerts(socket: Socket): void {
  socket.on('sla.alert', (e: SlaAlert) => {
    const me = store.me;
    if (!me) return;
    const supervises = (me.role === 'admin' || me.role === 'supervisor') && (me.departmentIds.length === 0 || !e.scope.departmentId || me.departmentIds.includes(e.scope.departmentId));
    if (!supervises && e.scope.assigneeId !== me.id) return;
    store.upsertTicket(e.ticket);
    const target = st(e.target);
    store.flash(
      e.kind === 'warning'
        ? st('warning', { number: e.ticket.number, target, time: clock(e.dueAt) })
        : st('breach', { number: e.ticket.number, target, priority: e.escalation?.priorityTo ?? e.ticket.priority }),
    );
  });
}
