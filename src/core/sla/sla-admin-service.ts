import { Types } from 'mongoose';
import { z } from 'zod';
import type { Actor } from '../audit/audit-log.js';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import { ChannelKindSchema } from '../domain/channel-kind.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors/app-error.js';
import type { Models } from '../models/registry.js';
import type { SlaCalendarDoc } from '../models/sla-calendar.js';
import { hoursFromWeek } from './week-hours.js';
import type { SlaPolicyDoc } from '../models/sla-policy.js';
import { requireAdmin } from '../users/user-service.js';
import type { Viewer } from '../users/viewer.js';
import { businessCalendarSchema } from './business-calendar.js';
import type { SlaEngine } from './sla-engine.js';
import { targetsByPrioritySchema } from './sla-targets.js';

const objectId = z.string().regex(/^[0-9a-f]{24}$/i, 'must be an id');

export const SlaCalendarInputSchema = businessCalendarSchema.extend({
  name: z.string().trim().min(1).max(80),
  departmentIds: z.array(objectId).max(200).default([]),
  isDefault: z.boolean().default(false),
});
export type SlaCalendarInput = z.infer<typeof SlaCalendarInputSchema>;

export const SlaPolicyInputSchema = z.object({
  name: z.string().trim().min(1).max(80),
  targets: targetsByPrioritySchema,
  inboxId: objectId.nullable().optional(),
  channel: ChannelKindSchema.nullable().optional(),
  contactTag: z.string().trim().toLowerCase().min(1).max(60).nullable().optional(),
});
export type SlaPolicyInput = z.infer<typeof SlaPolicyInputSchema>;

const actorOf = (v: Viewer): Actor => ({ type: 'user', id: v.id, name: v.name });
const oid = (id: string) => new Types.ObjectId(id);

/**
 * Admins' business calendars and SLA policies. An edit re-evaluates the open tickets it governs at once
 * (each moved due time audited as `sla.changed` with the policy or calendar as the reason); a new policy
 * applies to tickets created after it.
 */
export class SlaAdminService {
  constructor(
    private readonly models: Models,
    private readonly engine: SlaEngine,
  ) {}

  listCalendars(): Promise<SlaCalendarDoc[]> {
    return this.models.SlaCalendar.find().sort({ name: 1 }).lean();
  }

  listPolicies(): Promise<SlaPolicyDoc[]> {
    return this.models.SlaPolicy.find().sort({ name: 1 }).lean();
  }

  async createCalendar(viewer: Viewer, input: SlaCalendarInput) {
    requireAdmin(viewer);
    await this.checkDepartments(input.departmentIds, null);
    const created = await this.named(() => this.models.SlaCalendar.insertMany([this.calendarFields(input)]));
    const doc = created[0]!.toObject() as SlaCalendarDoc;
    if (doc.isDefault) await this.models.SlaCalendar.updateMany({ _id: { $ne: doc._id } }, { $set: { isDefault: false } });
    const reevaluated = await this.calendarChanged(viewer, doc.name, input.departmentIds, doc.isDefault);
    return { calendar: doc, reevaluated };
  }

  async updateCalendar(viewer: Viewer, id: string, input: SlaCalendarInput) {
    requireAdmin(viewer);
    const before = await this.calendar(id);
    await this.checkDepartments(input.departmentIds, before._id);
    await this.named(() => this.models.SlaCalendar.updateOne({ _id: before._id }, { $set: this.calendarFields(input) }));
    if (input.isDefault) await this.models.SlaCalendar.updateMany({ _id: { $ne: before._id } }, { $set: { isDefault: false } });
    const departments = [...new Set([...before.departmentIds.map(String), ...input.departmentIds])];
    const reevaluated = await this.calendarChanged(viewer, input.name, departments, before.isDefault || input.isDefault);
    return { calendar: (await this.models.SlaCalendar.findById(before._id).lean())!, reevaluated };
  }

  async deleteCalendar(viewer: Viewer, id: string) {
    requireAdmin(viewer);
    const before = await this.calendar(id);
    await this.models.SlaCalendar.deleteOne({ _id: before._id });
    return { reevaluated: await this.calendarChanged(viewer, before.name, before.departmentIds.map(String), before.isDefault, 'deleted') };
  }

  async createPolicy(viewer: Viewer, input: SlaPolicyInput) {
    requireAdmin(viewer);
    await this.checkInbox(input.inboxId);
    const created = await this.named(() => this.models.SlaPolicy.insertMany([this.policyFields(input)]));
    this.engine.directory.invalidate();
    return { policy: created[0]!.toObject() as SlaPolicyDoc, reevaluated: 0 };
  }

  async updatePolicy(viewer: Viewer, id: string, input: SlaPolicyInput) {
    requireAdmin(viewer);
    const before = await this.policy(id);
    await this.checkInbox(input.inboxId);
    const fields = this.policyFields(input);
    const unset = Object.fromEntries((['inboxId', 'channel', 'contactTag'] as const).filter((k) => !(k in fields)).map((k) => [k, 1]));
    await this.named(() => this.models.SlaPolicy.updateOne({ _id: before._id }, { $set: fields, ...(Object.keys(unset).length ? { $unset: unset } : {}) }));
    this.engine.directory.invalidate();
    const reevaluated = await this.engine.reevaluate({ 'sla.policy': id }, { kind: 'policy', name: input.name, edit: 'edited' }, actorOf(viewer));
    return { policy: (await this.models.SlaPolicy.findById(before._id).lean())!, reevaluated };
  }

  async deletePolicy(viewer: Viewer, id: string) {
    requireAdmin(viewer);
    const before = await this.policy(id);
    await this.models.SlaPolicy.deleteOne({ _id: before._id });
    this.engine.directory.invalidate();
    return { reevaluated: await this.engine.reevaluate({ 'sla.policy': id }, { kind: 'policy', name: before.name, edit: 'deleted' }, actorOf(viewer)) };
  }

  private calendarChanged(viewer: Viewer, name: string, departmentIds: string[], touchesDefault: boolean, edit: 'edited' | 'deleted' = 'edited'): Promise<number> {
    this.engine.directory.invalidate();
    // The default calendar governs tickets of every department without one: all open tickets are looked at.
    const filter = touchesDefault ? {} : { departmentId: { $in: departmentIds.map(oid) } };
    if (!touchesDefault && departmentIds.length === 0) return Promise.resolve(0);
    return this.engine.reevaluate(filter, { kind: 'calendar', name, edit }, actorOf(viewer));
  }

  private calendarFields(input: SlaCalendarInput) {
    return { name: input.name, timeZone: input.timeZone, hours: hoursFromWeek(input.week), holidays: [...new Set(input.holidays)].sort(), departmentIds: input.departmentIds.map(oid), isDefault: input.isDefault };
  }

  private policyFields(input: SlaPolicyInput) {
    return {
      name: input.name,
      targets: input.targets,
      ...(input.inboxId ? { inboxId: oid(input.inboxId) } : {}),
      ...(input.channel ? { channel: input.channel } : {}),
      ...(input.contactTag ? { contactTag: input.contactTag } : {}),
    };
  }

  private async checkDepartments(ids: string[], self: Types.ObjectId | null) {
    const found = await this.models.Department.countDocuments({ _id: { $in: ids.map(oid) } });
    if (found !== new Set(ids).size) throw new ValidationError('Unknown department', [{ path: 'departmentIds', message: 'no department with one of these ids' }]);
    const taken = await this.models.SlaCalendar.findOne({ departmentIds: { $in: ids.map(oid) }, ...(self ? { _id: { $ne: self } } : {}) }).lean();
    if (taken) throw new ValidationError('A department has one calendar', [{ path: 'departmentIds', message: `already in calendar "${taken.name}"` }]);
  }

  private async checkInbox(id: string | null | undefined) {
    if (id && !(await this.models.Inbox.exists({ _id: oid(id) }))) throw new ValidationError('Unknown inbox', [{ path: 'inboxId', message: 'no inbox with this id' }]);
  }

  private async calendar(id: string) {
    const doc = Types.ObjectId.isValid(id) ? await this.models.SlaCalendar.findById(id).lean() : null;
    if (!doc) throw new NotFoundError('Calendar');
    return doc;
  }

  private async policy(id: string) {
    const doc = Types.ObjectId.isValid(id) ? await this.models.SlaPolicy.findById(id).lean() : null;
    if (!doc) throw new NotFoundError('SLA policy');
    return doc;
  }

  private async named<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      if (isDuplicateKeyError(err) || (err as { code?: number }).code === 1) throw new ConflictError('NAME_TAKEN', 'This name is taken');
      throw err;
    }
  }
}
