import { Types } from 'mongoose';
import { z } from 'zod';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import { ConflictError, NotFoundError } from '../errors/app-error.js';
import { cannedResponseModel } from '../canned/canned-response.js';
import type { Department } from '../models/department.js';
import type { DepartmentCache } from './department-cache.js';
import type { DomainEventBus } from '../events/event-bus.js';
import type { Models } from '../models/registry.js';
import { requireAdmin } from '../users/user-service.js';
import type { Viewer } from '../users/viewer.js';

export const DepartmentInputSchema = z.object({
  name: z.string().trim().min(1).max(80),
  description: z.string().trim().max(500).optional(),
});

export class DepartmentService {
  constructor(
    private readonly models: Models,
    private readonly cache: DepartmentCache,
    private readonly bus: DomainEventBus,
  ) {}

  /** Open consoles' department and transfer pickers follow the change without a reload. */
  private announce(): void {
    this.bus.publish({ type: 'directory.changed', at: new Date().toISOString(), what: 'departments' });
  }

  list(): Promise<Department[]> {
    return this.models.Department.find().sort({ name: 1 }).lean();
  }

  async create(viewer: Viewer, input: z.infer<typeof DepartmentInputSchema>): Promise<Department> {
    requireAdmin(viewer);
    try {
      const [created] = await this.models.Department.insertMany([input]);
      this.announce();
      return created!.toObject() as Department;
    } catch (err) {
      if (isDuplicateKeyError(err)) throw new ConflictError('NAME_TAKEN', 'A department with this name exists');
      throw err;
    }
  }

  async update(viewer: Viewer, id: string, input: Partial<z.infer<typeof DepartmentInputSchema>>): Promise<Department> {
    requireAdmin(viewer);
    if (!Types.ObjectId.isValid(id) || !(await this.models.Department.exists({ _id: id }))) throw new NotFoundError('Department');
    try {
      await this.models.Department.updateOne({ _id: id }, { $set: input });
      this.cache.forget(id);
      this.announce();
    } catch (err) {
      if (isDuplicateKeyError(err) || (err as { code?: number }).code === 1) throw new ConflictError('NAME_TAKEN', 'A department with this name exists');
      throw err;
    }
    return (await this.models.Department.findById(id).lean())!;
  }

  /**
   * Deletes a department nothing refers to: no user in it, no ticket (of any status: reports and history
   * name it), no inbox routing to it, no canned response shared in it. Otherwise 409 saying what is left.
   */
  async remove(viewer: Viewer, id: string): Promise<void> {
    requireAdmin(viewer);
    if (!Types.ObjectId.isValid(id) || !(await this.models.Department.exists({ _id: id }))) throw new NotFoundError('Department');
    const dep = new Types.ObjectId(id);
    const [users, tickets, inboxes, canned] = await Promise.all([
      this.models.User.countDocuments({ departmentIds: dep }),
      this.models.Ticket.countDocuments({ departmentId: dep }),
      this.models.Inbox.countDocuments({ departmentId: dep }),
      cannedResponseModel(this.models.User.db).countDocuments({ departmentId: dep }),
    ]);
    const left = Object.entries({ users, tickets, inboxes, 'canned responses': canned }).filter(([, n]) => n > 0);
    if (left.length) {
      throw new ConflictError('DEPARTMENT_NOT_EMPTY', `This department still has ${left.map(([what, n]) => `${n} ${what}`).join(', ')}`);
    }
    await this.models.Department.deleteOne({ _id: dep });
    this.cache.forget(dep);
    this.announce();
  }
}
