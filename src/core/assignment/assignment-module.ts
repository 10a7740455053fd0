import type { Logger } from 'pino';
import type { DepartmentCache } from '../departments/department-cache.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { DomainEventBus } from '../events/event-bus.js';
import type { Models } from '../models/registry.js';
import type { SlaEngine } from '../sla/sla-engine.js';
import type { TicketLocks } from '../tickets/ticket-locks.js';
import type { Clock } from '../time/clock.js';
import { AssignmentService } from './assignment-service.js';
import { AssignmentSettings } from './assignment-settings.js';
import { AvailabilityService } from './availability.js';

export interface AssignmentDeps {
  models: Models;
  audit: AuditLog;
  locks: TicketLocks;
  bus: DomainEventBus;
  logger: Logger;
  offlineGraceMs: number;
  sla: SlaEngine;
  departments: DepartmentCache;
  /** When a ticket entered a queue (its overflow time counts from it); the core's clock. */
  clock?: Clock;
}

/** Availability and automatic assignment, wired on one core. */
export function createAssignment({ models, audit, locks, bus, logger, offlineGraceMs, sla, departments, clock }: AssignmentDeps) {
  const availability = new AvailabilityService(models, bus, logger, offlineGraceMs);
  const assignment = new AssignmentService(models, audit, locks, bus, availability, logger, sla, departments, clock);
  return { availability, assignment, settings: new AssignmentSettings(models, departments) };
}
