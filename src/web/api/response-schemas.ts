import { z } from 'zod';
import { TicketSummarySchema } from '../../core/events/domain-events.js';

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

const ViewerSchema = z.object({ id, name: z.string(), email: z.string(), role: z.enum(userRoles), departmentIds: z.array(id) });
const DepartmentSchema = z.object({ id, name: z.string(), description: z.string().nullable(), createdAt: z.string() });
const UserSchema = z.object({
  id,
  email: z.string(),
  name: z.string(),
  role: z.enum(userRoles),
  departmentIds: z.array(id),
  active: z.boolean(),
  locale: z.enum(['en', 'pt', 'es']),
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

export const responseSchemas: Readonly<Record<string, z.ZodType>> = {
  getHealth: HealthSchema,
  login: ViewerSchema,
  getMe: ViewerSchema,
  listDepartments: z.object({ items: z.array(DepartmentSchema) }),
  createDepartment: DepartmentSchema,
  updateDepartment: DepartmentSchema,
  listUsers: z.object({ items: z.array(UserSchema) }),
  getUser: UserSchema,
  createUser: UserSchema,
  updateUser: UserSchema,
  searchContacts: z.object({ items: z.array(ContactSchema) }),
  getContact: z.object({ contact: ContactSchema, tickets: z.array(TicketSummarySchema) }),
  mergeContact: ContactSchema,
  resetInboxSession: z.object({ accepted: z.literal(true) }),
};
