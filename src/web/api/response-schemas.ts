import { z } from 'zod';
import { AgentRoutingProfileSchema, DepartmentAssignmentSchema } from '../../core/assignment/assignment-settings.js';
import { ChannelKindSchema } from '../../core/domain/channel-kind.js';
import { TicketSummarySchema } from '../../core/events/domain-events.js';
import { MacroActionsSchema } from '../../core/macros/macro.js';
import { slaTargetsSchema } from '../../core/sla/sla-targets.js';
import { ticketPriorities } from '../../core/tickets/ticket-enums.js';

/**
 * Success payloads, by operationId, for routes that do not declare `response` themselves (the route files
 * are shared by several people; this keeps the documentation additive). Each schema describes what the
 * route's view function returns; test/integration/web/openapi-responses.test.ts parses real responses with
 * them, so a schema that drifts from the code fails there. A route's own `response` wins over this list.
 */

const id = z.string();
/** The roles of src/core/models/user.ts (the web layer does not import models). */
const userRoles = ['agent', 'supervisor', 'admin'] as const;
const isoOrNull = z.string().nullable();
/** Null until the user picks a language (the console then follows the browser's). */
const locale = z.enum(['en', 'pt', 'es']).nullable();

/** The signed-in user with their language (auth-routes `withLocale`). */
const ViewerSchema = z.object({ id, name: z.string(), email: z.string(), role: z.enum(userRoles), departmentIds: z.array(id), locale });
const DepartmentSchema = z.object({ id, name: z.string(), description: z.string().nullable(), createdAt: z.string() });
const UserSchema = z.object({
  id,
  email: z.string(),
  name: z.string(),
  role: z.enum(userRoles),
  departmentIds: z.array(id),
  active: z.boolean(),
  locale,
  skills: z.array(z.string()),
  capacity: z.object({ chat: z.number().int().nullable(), email: z.number().int().nullable() }),
  lastLoginAt: isoOrNull,
  createdAt: isoOrNull,
});
const ContactSchema = z.object({
  id,
  name: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  identities: z.array(z.string()),
  notes: z.string().nullable(),
  /** Typed by the customer (web chat), never confirmed: not an identity. */
  unverifiedEmail: z.string().nullable(),
  mergedInto: id.nullable(),
  optedOut: z.object({ sms: isoOrNull }),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const PartStatus = z.enum(['ok', 'degraded', 'down', 'unknown']);
const HealthSchema = z.object({
  status: z.enum(['ok', 'degraded', 'down']),
  database: z.string(),
  version: z.string(),
  parts: z.object({
    database: z.object({ status: PartStatus, latencyMs: z.number().optional(), error: z.string().optional() }),
    jobs: z.object({ status: PartStatus }),
    ingest: z.object({ status: PartStatus, backlog: z.record(z.string(), z.unknown()) }),
    inboxes: z.array(z.object({ id, name: z.string(), kind: z.string(), status: PartStatus, detail: z.string().optional() })),
  }),
  /** Only when the embedded database holds more tickets than it serves well. */
  capacity: z.object({ tickets: z.number().int(), limit: z.number().int(), message: z.string() }).optional(),
});

const ContactMergeSchema = z.object({
  id,
  sourceId: id,
  targetId: id,
  identities: z.array(z.string()),
  ticketIds: z.array(id),
  by: z.string().nullable(),
  at: z.string(),
  undoneAt: isoOrNull,
});
/** src/web/views/ticket-detail-view.ts */
const TicketDetailSchema = TicketSummarySchema.extend({
  type: z.string().nullable(),
  replyTo: z.object({ handle: z.string(), displayName: z.string().nullable(), email: z.string().nullable() }),
  sla: z.object({
    policy: z.string(),
    policyName: z.string(),
    firstResponseDueAt: isoOrNull,
    nextResponseDueAt: isoOrNull,
    resolutionDueAt: isoOrNull,
    pausedAt: isoOrNull,
  }),
  firstResponseAt: isoOrNull,
  solvedAt: isoOrNull,
  closedAt: isoOrNull,
  snoozedUntil: isoOrNull,
  lastCustomerMessageAt: isoOrNull,
  reopenCount: z.number().int(),
  csat: z.object({ rating: z.number().int().nullable(), comment: z.string().nullable(), requestedAt: z.string(), ratedAt: isoOrNull }).nullable(),
  previousTicketId: id.nullable(),
  mergedInto: id.nullable(),
  mergedTicketIds: z.array(id),
  createdAt: z.string(),
  updatedAt: z.string(),
  contact: ContactSchema.nullable(),
  inbox: z.object({ id, name: z.string(), kind: ChannelKindSchema }).nullable(),
  department: z.object({ id, name: z.string() }).nullable(),
  assignee: z.object({ id, name: z.string() }).nullable(),
});
/** A one-time invite or reset link (src/web/views/user-view.ts `toLinkView`). */
const UserLinkSchema = z.object({ token: z.string(), path: z.string(), expiresAt: z.string() });

/** Open tickets whose due times an SLA edit recomputed. */
const reevaluated = z.number().int();
/** src/web/views/sla-views.ts */
const SlaCalendarSchema = z.object({
  id,
  name: z.string(),
  timeZone: z.string(),
  /** Seven lists of opening intervals (`HH:mm`), Monday first. */
  week: z.array(z.array(z.object({ from: z.string(), to: z.string() }))).length(7),
  holidays: z.array(z.string()),
  departmentIds: z.array(id),
  isDefault: z.boolean(),
});
const targets = z.object({ urgent: slaTargetsSchema, high: slaTargetsSchema, normal: slaTargetsSchema, low: slaTargetsSchema });
const SlaPolicySchema = z.object({
  id,
  name: z.string(),
  targets,
  inboxId: id.nullable(),
  channel: ChannelKindSchema.nullable(),
  contactTag: z.string().nullable(),
});

/** src/core/routing/routing-rule-service.ts `toRuleView` */
const RoutingRuleSchema = z.object({
  id,
  name: z.string(),
  position: z.number().int(),
  enabled: z.boolean(),
  conditions: z.object({
    inboxIds: z.array(id),
    channels: z.array(ChannelKindSchema),
    keywords: z.array(z.string()),
    contactTags: z.array(z.string()),
    /** Absent: any time. `days` 1 = Monday … 7 = Sunday. */
    timeWindow: z.object({ timeZone: z.string(), days: z.array(z.number().int()), from: z.string(), to: z.string() }).optional(),
  }),
  actions: z.object({
    departmentId: id.optional(),
    priority: z.enum(ticketPriorities).optional(),
    type: z.string().optional(),
    tags: z.array(z.string()),
    requiredSkills: z.array(z.string()),
    cannedResponseId: id.optional(),
  }),
});

/** src/core/macros/macro-service.ts `PublicMacro` */
const MacroSchema = z.object({ id, name: z.string(), actions: MacroActionsSchema, updatedAt: z.string() });

export const responseSchemas: Readonly<Record<string, z.ZodType>> = {
  getHealth: HealthSchema,
  login: ViewerSchema,
  getMe: ViewerSchema,
  updateMe: ViewerSchema,
  describeUserLink: z.object({ purpose: z.enum(['invite', 'reset']), name: z.string(), email: z.string(), locale }),
  useUserLink: ViewerSchema,
  listDepartments: z.object({ items: z.array(DepartmentSchema) }),
  createDepartment: DepartmentSchema,
  updateDepartment: DepartmentSchema,
  listUsers: z.object({ items: z.array(UserSchema) }),
  getUser: UserSchema,
  createUser: UserSchema,
  updateUser: UserSchema,
  issuePasswordResetLink: UserLinkSchema,
  searchContacts: z.object({ items: z.array(ContactSchema) }),
  /** `merges` is empty for agents. */
  getContact: z.object({ contact: ContactSchema, tickets: z.array(TicketSummarySchema), merges: z.array(ContactMergeSchema) }),
  updateContact: ContactSchema,
  /** `mergeId` is what undoContactMerge takes. */
  mergeContact: ContactSchema.extend({ mergeId: id }),
  previewContactMerge: z.object({
    source: ContactSchema,
    target: ContactSchema,
    /** Identity keys that would move to the target. */
    identities: z.array(z.string()),
    tickets: z.array(z.object({ id, number: z.number().int(), subject: z.string(), status: z.string() })),
  }),
  undoContactMerge: z.object({ source: ContactSchema, target: ContactSchema }),
  resetInboxSession: z.object({ accepted: z.literal(true) }),
  listSlaCalendars: z.object({ items: z.array(SlaCalendarSchema) }),
  createSlaCalendar: SlaCalendarSchema.extend({ reevaluated }),
  updateSlaCalendar: SlaCalendarSchema.extend({ reevaluated }),
  deleteSlaCalendar: z.object({ reevaluated }),
  /** `builtIn`: the targets that apply when no policy matches. */
  listSlaPolicies: z.object({ items: z.array(SlaPolicySchema), builtIn: z.object({ name: z.string(), targets }) }),
  createSlaPolicy: SlaPolicySchema.extend({ reevaluated }),
  updateSlaPolicy: SlaPolicySchema.extend({ reevaluated }),
  deleteSlaPolicy: z.object({ reevaluated }),
  listRoutingRules: z.object({ items: z.array(RoutingRuleSchema) }),
  createRoutingRule: RoutingRuleSchema,
  reorderRoutingRules: z.object({ items: z.array(RoutingRuleSchema) }),
  updateRoutingRule: RoutingRuleSchema,
  setDepartmentAssignment: DepartmentAssignmentSchema,
  setRoutingProfile: AgentRoutingProfileSchema,
  listMacros: z.object({ items: z.array(MacroSchema) }),
  createMacro: MacroSchema,
  updateMacro: MacroSchema,
  /** `replyId`: the reply the macro sent, or null when it has none. */
  applyMacro: z.object({ ticket: TicketDetailSchema, replyId: id.nullable() }),
  /** `messageId`: the first (outbound, queued) message. */
  startConversation: z.object({ ticket: TicketDetailSchema, messageId: id }),
  /** The ticket the messages moved to (a new one, or the target named). */
  splitTicket: TicketDetailSchema,
};
