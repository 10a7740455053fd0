import { ReadThroughCache } from '../cache/read-through-cache.js';
import { cannedResponseModel } from '../canned/canned-response.js';
import { Types } from 'mongoose';
import { z } from 'zod';
import { channelKinds } from '../domain/channel-kind.js';
import { NotFoundError, ValidationError } from '../errors/app-error.js';
import type { Models } from '../models/registry.js';
import type { RoutingRule } from '../models/routing-rule.js';
import { TagSchema } from '../tickets/tag.js';
import { ticketPriorities } from '../tickets/ticket-enums.js';
import { requireAdmin } from '../users/user-service.js';
import type { Viewer } from '../users/viewer.js';
import { isTimeZone } from './time-window.js';

/** How long another process's rule change may go unseen by this one's routing. */
const CACHE_TTL_MS = 5_000;

const objectId = z.string().regex(/^[0-9a-f]{24}$/i, 'must be an id');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:mm');
const label = z.string().trim().toLowerCase().min(1).max(60);

export const RoutingRuleInputSchema = z.object({
  name: z.string().trim().min(1).max(120),
  enabled: z.boolean().default(true),
  conditions: z
    .object({
      inboxIds: z.array(objectId).max(50).default([]),
      channels: z.array(z.enum(channelKinds)).max(10).default([]),
      keywords: z.array(z.string().trim().min(1).max(100)).max(100).default([]),
      contactTags: z.array(TagSchema).max(50).default([]),
      timeWindow: z
        .object({
          timeZone: z.string().refine(isTimeZone, 'unknown time zone'),
          days: z.array(z.number().int().min(1).max(7)).min(1).max(7),
          from: hhmm,
          to: hhmm,
        })
        .refine((w) => w.from !== w.to, { message: 'from and to must differ', path: ['to'] })
        .optional(),
    })
    .default({ inboxIds: [], channels: [], keywords: [], contactTags: [] }),
  actions: z
    .object({
      departmentId: objectId.optional(),
      priority: z.enum(ticketPriorities).optional(),
      type: z.string().trim().min(1).max(60).optional(),
      tags: z.array(TagSchema).max(20).default([]),
      requiredSkills: z.array(label).max(20).default([]),
      cannedResponseId: objectId.optional(),
    })
    .refine((a) => a.departmentId || a.priority || a.type || a.tags.length || a.requiredSkills.length || a.cannedResponseId, 'a rule needs at least one action'),
});
export type RoutingRuleInput = z.infer<typeof RoutingRuleInputSchema>;
export const RoutingRuleOrderSchema = z.object({ ids: z.array(objectId).min(1).max(500) });

export interface RoutingRuleView {
  id: string;
  name: string;
  position: number;
  enabled: boolean;
  conditions: RoutingRule['conditions'];
  actions: RoutingRule['actions'];
}

export const toRuleView = (r: RoutingRule): RoutingRuleView => ({
  id: String(r._id),
  name: r.name,
  position: r.position,
  enabled: r.enabled,
  conditions: {
    inboxIds: r.conditions.inboxIds,
    channels: r.conditions.channels,
    keywords: r.conditions.keywords,
    contactTags: r.conditions.contactTags,
    ...(r.conditions.timeWindow?.timeZone ? { timeWindow: r.conditions.timeWindow } : {}),
  },
  actions: r.actions,
});

/** Admin-managed routing rules, kept in `position` order (first match wins). */
export class RoutingRuleService {
  /** What routing reads for every new ticket (see ReadThroughCache for how changes reach it). */
  private readonly forRoutingCache = new ReadThroughCache<RoutingRule[]>(CACHE_TTL_MS);

  constructor(private readonly models: Models) {}

  /** The rules in evaluation order for routing a new ticket: read at most once per few seconds. */
  forRouting(): Promise<RoutingRule[]> {
    return this.forRoutingCache.get('ordered', () => this.ordered());
  }

  /** Every rule in evaluation order (the collection is small: a full read is fine everywhere). */
  async ordered(): Promise<RoutingRule[]> {
    return this.models.RoutingRule.find().sort({ position: 1, _id: 1 }).lean();
  }

  async list(viewer: Viewer): Promise<RoutingRuleView[]> {
    requireAdmin(viewer);
    return (await this.ordered()).map(toRuleView);
  }

  async create(viewer: Viewer, input: RoutingRuleInput): Promise<RoutingRuleView> {
    requireAdmin(viewer);
    await this.checkReferences(input);
    const last = await this.models.RoutingRule.findOne().sort({ position: -1 }).lean();
    const [created] = await this.models.RoutingRule.insertMany([{ ...input, position: (last?.position ?? 0) + 1 }]);
    this.forRoutingCache.clear();
    return toRuleView(created!.toObject() as RoutingRule);
  }

  async update(viewer: Viewer, id: string, input: RoutingRuleInput): Promise<RoutingRuleView> {
    requireAdmin(viewer);
    await this.get(id);
    await this.checkReferences(input);
    // `conditions` and `actions` are replaced whole: a window or action left out is gone.
    await this.models.RoutingRule.updateOne({ _id: id }, { $set: { name: input.name, enabled: input.enabled, conditions: input.conditions, actions: input.actions } });
    this.forRoutingCache.clear();
    return toRuleView(await this.get(id));
  }

  async remove(viewer: Viewer, id: string): Promise<void> {
    requireAdmin(viewer);
    await this.get(id);
    await this.models.RoutingRule.deleteOne({ _id: id });
    this.forRoutingCache.clear();
  }

  /** New evaluation order: `ids` must name every rule once. */
  async reorder(viewer: Viewer, ids: string[]): Promise<RoutingRuleView[]> {
    requireAdmin(viewer);
    const all = await this.ordered();
    const known = new Set(all.map((r) => String(r._id)));
    if (ids.length !== known.size || new Set(ids).size !== ids.length || !ids.every((i) => known.has(i))) {
      throw new ValidationError('The order must list every rule exactly once', [{ path: 'ids', message: `expected the ${known.size} rule ids` }]);
    }
    for (const [i, id] of ids.entries()) await this.models.RoutingRule.updateOne({ _id: id }, { $set: { position: i + 1 } });
    this.forRoutingCache.clear();
    return (await this.ordered()).map(toRuleView);
  }

  private async get(id: string): Promise<RoutingRule> {
    const rule = Types.ObjectId.isValid(id) ? await this.models.RoutingRule.findById(id).lean() : null;
    if (!rule) throw new NotFoundError('Routing rule');
    return rule;
  }

  private async checkReferences(input: RoutingRuleInput): Promise<void> {
    const { departmentId, cannedResponseId } = input.actions;
    if (departmentId && !(await this.models.Department.exists({ _id: departmentId }))) {
      throw new ValidationError('Unknown department', [{ path: 'actions.departmentId', message: 'no department with this id' }]);
    }
    // A missing response made the rule reply nothing (a warning in the log); a personal one is its owner's words.
    if (cannedResponseId) {
      const canned = await cannedResponseModel(this.models.User.db).findById(cannedResponseId, { ownerId: 1 }).lean();
      if (!canned) throw new ValidationError('Unknown canned response', [{ path: 'actions.cannedResponseId', message: 'no canned response with this id' }]);
      if (canned.ownerId) throw new ValidationError('A personal canned response cannot be a rule\'s reply', [{ path: 'actions.cannedResponseId', message: 'personal: only its owner uses it' }]);
    }
  }
}
