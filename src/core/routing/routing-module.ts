import type { Connection } from 'mongoose';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { DomainEventBus } from '../events/event-bus.js';
import type { JustWritten } from '../events/just-written.js';
import type { Models } from '../models/registry.js';
import type { SlaEngine } from '../sla/sla-engine.js';
import type { TicketLocks } from '../tickets/ticket-locks.js';
import { NewTicketRouter, type AfterRouting, type AutoReplySender } from './route-new-ticket.js';
import { RoutingRuleService } from './routing-rule-service.js';

export interface RoutingDeps {
  models: Models;
  connection: Connection;
  audit: AuditLog;
  locks: TicketLocks;
  bus: DomainEventBus;
  logger: Logger;
  after: AfterRouting;
  autoReply?: AutoReplySender;
  sla: SlaEngine;
  justWritten?: JustWritten;
}

/** Routing rules and the router that applies them to new tickets. */
export function createRouting(d: RoutingDeps) {
  const rules = new RoutingRuleService(d.models);
  const router = new NewTicketRouter(d.models, d.connection, rules, d.audit, d.locks, d.bus, d.logger, d.after, d.autoReply, d.sla, d.justWritten);
  return { rules, router };
}
