import { z } from 'zod';
import { AgentRoutingProfileSchema, DepartmentAssignmentSchema } from '../../core/assignment/assignment-settings.js';
import { ChannelKindSchema } from '../../core/domain/channel-kind.js';
import { MessageViewSchema, TicketSummarySchema } from '../../core/events/domain-events.js';
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
    /** `id`, `name` and `detail` only for a signed-in admin or supervisor; the database's `error` likewise. */
    inboxes: z.array(z.object({ id: id.optional(), name: z.string().optional(), kind: z.string(), status: PartStatus, detail: z.string().optional() })),
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
/** src/web/views/recipient-view.ts: `id` is the id of the ticket whose customer conversation it is. */
const RecipientSchema = z.object({
  id,
  ticketNumber: z.number().int(),
  /** The ticket's own customer (false: a ticket merged into it). */
  own: z.boolean(),
  contactId: id,
  name: z.string(),
  channel: ChannelKindSchema,
  inboxId: id,
  /** Email address, phone number or chat handle; empty for a web chat visitor. */
  address: z.string(),
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

/** src/web/views/message-detail-view.ts */
const MessageDetailSchema = MessageViewSchema.extend({
  html: z.string().nullable(),
  author: z.object({ type: z.enum(['contact', 'agent', 'system']), name: z.string().nullable(), userId: id.nullable(), contactId: id.nullable() }),
  subject: z.string().nullable(),
  providerMessageId: z.string().nullable(),
  emailMessageId: z.string().nullable(),
  automated: z.boolean(),
  editedAt: isoOrNull,
  delivery: z.object({
    status: z.string(),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    history: z.array(z.object({ status: z.string(), at: z.string(), reason: z.string().nullable() })),
  }),
});

/** src/core/domain/public-inbox.ts `PublicInbox`; secret values never appear, only their names. */
const settingValue = z.union([z.string(), z.number(), z.boolean()]);
const InboxSchema = z.object({
  id,
  kind: ChannelKindSchema,
  name: z.string(),
  departmentId: id.nullable(),
  enabled: z.boolean(),
  reopenWindowDays: z.number().nullable(),
  settings: z.record(z.string(), z.union([settingValue, z.record(z.string(), settingValue)])),
  secretKeys: z.array(z.string()),
  health: z.object({
    status: z.enum(['ok', 'degraded', 'down', 'unknown']),
    detail: z.string().optional(),
    /** The pairing QR code's text (WhatsApp); admins only. */
    qr: z.string().optional(),
    checkedAt: z.string().optional(),
  }),
  webhookUrl: z.string(),
  session: z.object({ holder: z.string(), expiresAt: z.string() }).nullable(),
  createdAt: z.string(),
});

/** src/core/domain/channel-settings-form.ts `ChannelDescription` */
const fieldTexts = z.object({ label: z.string().optional(), help: z.string().optional(), placeholder: z.string().optional(), options: z.record(z.string(), z.string()).optional() });
const ChannelDescriptionSchema = z.object({
  kind: z.string(),
  label: z.string(),
  fields: z.array(
    z.object({
      key: z.string(),
      label: z.string(),
      type: z.enum(['text', 'number', 'boolean', 'select', 'url', 'email', 'textarea']),
      secret: z.boolean().optional(),
      required: z.boolean().optional(),
      options: z.array(z.object({ value: z.string(), label: z.string() })).optional(),
      help: z.string().optional(),
      placeholder: z.string().optional(),
      default: settingValue.optional(),
      i18n: z.object({ pt: fieldTexts.optional(), es: fieldTexts.optional() }).optional(),
    }),
  ),
  webhook: z.boolean(),
  testable: z.boolean(),
  canStartConversation: z.boolean(),
});

/** src/core/domain/channel-adapter.ts `ConnectionReport`: one entry per check (e.g. `imap`, `smtp`). */
const ConnectionReportSchema = z.object({
  ok: z.boolean(),
  checks: z.record(
    z.string(),
    z.union([z.object({ ok: z.literal(true), durationMs: z.number() }), z.object({ ok: z.literal(false), code: z.string(), message: z.string(), durationMs: z.number() })]),
  ),
});

/** src/core/reports/report-types.ts; times in seconds, rates in percent, null when undefined. */
const num = z.number().nullable();
const FiguresSchema = z.object({
  newTickets: z.number(),
  inbound: z.number(),
  outbound: z.number(),
  resolved: z.number(),
  reopened: z.number(),
  firstResponses: z.number(),
  frtMedian: num,
  frtP90: num,
  resMedian: num,
  resP90: num,
  frtSlaPct: num,
  resSlaPct: num,
  reopenRatePct: num,
  csatAvg: num,
  csatResponsePct: num,
  csatRated: z.number(),
});
const previous = z.object({ from: z.string(), to: z.string(), total: FiguresSchema });
/** Names of the ids a report counts, by id. */
const ReportLabelsSchema = z.object({ inboxes: z.record(z.string(), z.string()), departments: z.record(z.string(), z.string()), agents: z.record(z.string(), z.string()) });
const ChannelReportSchema = z.object({
  from: z.string(),
  to: z.string(),
  granularity: z.enum(['day', 'week', 'month']),
  series: z.array(z.object({ period: z.string(), total: FiguresSchema, byChannel: z.record(z.string(), FiguresSchema) })),
  byChannel: z.array(z.object({ channel: z.string(), figures: FiguresSchema })),
  byInbox: z.array(z.object({ inboxId: id, channel: z.string(), figures: FiguresSchema })),
  total: FiguresSchema,
  previous,
  flows: z.array(z.object({ period: z.string(), net: z.number() })),
  flowAfter: z.number(),
  backlog: z.object({ now: z.record(z.string(), z.number()), trend: z.array(z.object({ period: z.string(), open: z.number() })) }),
  labels: ReportLabelsSchema,
});
const AgentReportSchema = z.object({
  from: z.string(),
  to: z.string(),
  agents: z.array(
    z.object({ agentId: id, handled: z.number(), replies: z.number(), availableSeconds: z.number(), awaySeconds: z.number(), figures: FiguresSchema }),
  ),
  total: FiguresSchema,
  previous,
  labels: ReportLabelsSchema,
});
const LiveReportSchema = z.object({
  at: z.string(),
  /** Open tickets by channel and status: `{ email: { new: 3, open: 1 } }`. */
  open: z.record(z.string(), z.record(z.string(), z.number())),
  openTotal: z.number(),
  waiting: z.number(),
  longestWaitSeconds: num,
  agentsOnline: z.number().optional(),
  agentsAway: z.number().optional(),
});

/** src/core/tickets/ticket-service.ts `auditTrail`: `data` is the event's own payload (its keys depend on `type`). */
const AuditEventSchema = z.object({
  seq: z.number().int(),
  type: z.string(),
  actor: z.object({ type: z.enum(['user', 'contact', 'system']), id: z.string().optional(), name: z.string().optional() }),
  data: z.record(z.string(), z.unknown()),
  at: z.string(),
  hash: z.string(),
  prevHash: z.string(),
});
/** src/core/audit/verify-chain.ts `ChainReport` */
const AuditChainReportSchema = z.object({
  ticketId: id,
  events: z.number().int(),
  intact: z.boolean(),
  problems: z.array(z.object({ seq: z.number().int(), problem: z.enum(['missing', 'altered', 'broken-link', 'missing-tail']) })),
});

/** src/core/canned/canned-service.ts `PublicCanned` */
const CannedResponseSchema = z.object({
  id,
  shortcut: z.string(),
  title: z.string(),
  body: z.string(),
  departmentId: id.nullable(),
  personal: z.boolean(),
  ownerId: id.nullable(),
});

/** src/core/domain/channel-adapter.ts `ReplyWindow` */
const ReplyWindowSchema = z.object({ open: z.boolean(), closesAt: isoOrNull, canReply: z.boolean(), detail: z.string().optional() });

/** This OpenAPI 3.1 document itself (its paths and components are OpenAPI objects). */
const OpenApiDocumentSchema = z.object({
  openapi: z.literal('3.1.0'),
  info: z.object({ title: z.string(), version: z.string(), description: z.string().optional() }),
  paths: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.unknown()))),
  components: z.object({ securitySchemes: z.record(z.string(), z.record(z.string(), z.unknown())), schemas: z.record(z.string(), z.unknown()), responses: z.record(z.string(), z.unknown()) }),
});

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
  getTicket: TicketDetailSchema,
  updateTicket: TicketDetailSchema,
  /** The ticket merged away (its `mergedInto` set). */
  mergeTicket: TicketDetailSchema,
  callBack: z.object({ providerCallId: z.string() }),
  getTicketAudit: z.object({ items: z.array(AuditEventSchema) }),
  verifyTicketAudit: AuditChainReportSchema,
  /** `nextCursor` on forward reads (`after`), `prevCursor` on backward ones (`before`); the other is null. */
  listTicketMessages: z.object({ items: z.array(MessageDetailSchema), nextCursor: z.string().nullable(), prevCursor: z.string().nullable() }),
  replyToTicket: MessageDetailSchema,
  addTicketNote: MessageDetailSchema,
  retryMessage: MessageDetailSchema,
  /** null when the channel has no reply window. */
  getTicketReplyWindow: z.object({ channelWindow: ReplyWindowSchema.nullable() }),
  listChannelKinds: z.object({ items: z.array(ChannelDescriptionSchema) }),
  listInboxes: z.object({ items: z.array(InboxSchema) }),
  getInbox: InboxSchema,
  createInbox: InboxSchema,
  updateInbox: InboxSchema,
  testInboxConnection: ConnectionReportSchema,
  getChannelReport: ChannelReportSchema,
  getAgentReport: AgentReportSchema,
  getLiveReport: LiveReportSchema,
  listCannedResponses: z.object({ items: z.array(CannedResponseSchema) }),
  createCannedResponse: CannedResponseSchema,
  updateCannedResponse: CannedResponseSchema,
  /** One outcome per event, in order: `duplicate` when its providerKey was already stored. */
  devInbound: z.object({
    accepted: z.number().int(),
    duplicates: z.number().int(),
    results: z.array(z.object({ providerKey: z.string(), status: z.enum(['accepted', 'duplicate']) })),
  }),
  getOpenApiDocument: OpenApiDocumentSchema,
  listTicketRecipients: z.object({ items: z.array(RecipientSchema), defaultId: id }),
  /** The ticket the messages moved to (a new one, or the target named). */
  splitTicket: TicketDetailSchema,
};
