import type { DepartmentCache } from '../departments/department-cache.js';
import { Types } from 'mongoose';
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../errors/app-error.js';
import type { Models } from '../models/registry.js';
import { requireAdmin } from '../users/user-service.js';
import type { Viewer } from '../users/viewer.js';

const objectId = z.string().regex(/^[0-9a-f]{24}$/i, 'must be an id');
const limit = z.number().int().min(0).max(100);

export const DepartmentAssignmentSchema = z.object({
  mode: z.enum(['manual', 'round_robin', 'least_loaded']),
  capacity: z.object({ chat: limit, email: limit }),
  overflowDepartmentId: objectId.nullable().default(null),
  overflowAfterMinutes: z.number().int().min(1).max(7 * 24 * 60).nullable().default(null),
});
export type DepartmentAssignmentInput = z.infer<typeof DepartmentAssignmentSchema>;

export const AgentRoutingProfileSchema = z.object({
  skills: z.array(z.string().trim().toLowerCase().min(1).max(60)).max(50),
  /** Per-agent limits; null = the department's. */
  capacity: z.object({ chat: limit.nullable(), email: limit.nullable() }),
});
export type AgentRoutingProfile = z.infer<typeof AgentRoutingProfileSchema>;

const DEFAULT = { mode: 'manual' as const, capacity: { chat: 3, email: 10 }, overflowDepartmentId: null, overflowAfterMinutes: null };

/** Admin settings of automatic assignment: a department's mode and limits, an agent's skills and own limits. */
export class AssignmentSettings {
  constructor(
    private readonly models: Models,
    private readonly departments: DepartmentCache,
  ) {}

  async department(id: string): Promise<DepartmentAssignmentInput> {
    const d = Types.ObjectId.isValid(id) ? await this.models.Department.findById(id).lean() : null;
    if (!d) throw new NotFoundError('Department');
    if (!d.assignment?.mode) return DEFAULT;
    return {
      mode: d.assignment.mode,
      capacity: { chat: d.assignment.capacity?.chat ?? DEFAULT.capacity.chat, email: d.assignment.capacity?.email ?? DEFAULT.capacity.email },
      overflowDepartmentId: d.assignment.overflowDepartmentId ? String(d.assignment.overflowDepartmentId) : null,
      overflowAfterMinutes: d.assignment.overflowAfterMinutes ?? null,
    };
  }

  async setDepartment(viewer: Viewer, id: string, input: DepartmentAssignmentInput): Promise<DepartmentAssignmentInput> {
    requireAdmin(viewer);
    await this.department(id);
    if (input.overflowDepartmentId) {
      if (input.overflowDepartmentId === id) throw new ValidationError('A department cannot overflow into itself', [{ path: 'overflowDepartmentId', message: 'same department' }]);
      if (!(await this.models.Department.exists({ _id: input.overflowDepartmentId }))) {
        throw new ValidationError('Unknown department', [{ path: 'overflowDepartmentId', message: 'no department with this id' }]);
      }
      await this.assertNoOverflowCycle(id, input.overflowDepartmentId);
    }
    if (!!input.overflowDepartmentId !== !!input.overflowAfterMinutes) {
      throw new ValidationError('Overflow needs both a department and a timeout', [{ path: 'overflowAfterMinutes', message: 'set both or neither' }]);
    }
    const assignment = {
      mode: input.mode,
      capacity: input.capacity,
      ...(input.overflowDepartmentId ? { overflowDepartmentId: new Types.ObjectId(input.overflowDepartmentId), overflowAfterMinutes: input.overflowAfterMinutes } : {}),
    };
    await this.models.Department.updateOne({ _id: id }, { $set: { assignment } });
    this.departments.forget(id);
    return this.department(id);
  }

  /**
   * A → B while B already overflows (maybe through others) into A would move an unanswered ticket round the
   * circle at every timeout, for ever, each move a transfer in its history: refused, naming the circle.
   */
  private async assertNoOverflowCycle(id: string, target: string): Promise<void> {
    const path = [id, target];
    let next: string | null = target;
    for (let hop = 0; next && hop < 50; hop++) {
      const dep: { assignment?: { overflowDepartmentId?: Types.ObjectId | null } } | null = await this.models.Department.findById(next, { assignment: 1 }).lean();
      next = dep?.assignment?.overflowDepartmentId ? String(dep.assignment.overflowDepartmentId) : null;
      if (!next) return;
      path.push(next);
      if (next === id) {
        const names = new Map((await this.models.Department.find({ _id: { $in: [...new Set(path)] } }, { name: 1 }).lean()).map((d) => [String(d._id), d.name]));
        const circle = path.map((d) => names.get(d) ?? d).join(' → ');
        throw new ValidationError(`Overflow would go round in a circle: ${circle}`, [{ path: 'overflowDepartmentId', message: `makes a circle: ${circle}` }]);
      }
    }
  }

  async agent(id: string): Promise<AgentRoutingProfile> {
    const u = Types.ObjectId.isValid(id) ? await this.models.User.findById(id, { skills: 1, capacity: 1 }).lean() : null;
    if (!u) throw new NotFoundError('User');
    return { skills: u.skills ?? [], capacity: { chat: u.capacity?.chat ?? null, email: u.capacity?.email ?? null } };
  }

  async setAgent(viewer: Viewer, id: string, input: AgentRoutingProfile): Promise<AgentRoutingProfile> {
    requireAdmin(viewer);
    await this.agent(id);
    const capacity = Object.fromEntries(Object.entries(input.capacity).filter(([, v]) => v !== null));
    await this.models.User.updateOne({ _id: id }, { $set: { skills: [...new Set(input.skills)], capacity } });
    return this.agent(id);
  }
}
