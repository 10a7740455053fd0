import { Types } from 'mongoose';
import { z } from 'zod';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import { ConflictError, NotFoundError } from '../errors/app-error.js';
import type { Department } from '../models/department.js';
import type { Models } from '../models/registry.js';
import { requireAdmin } from '../users/user-service.js';
import type { Viewer } from '../users/viewer.js';

export const DepartmentInputSchema = z.object({
  name: z.string().trim().min(1).max(80),
  description: z.string().trim().max(500).optional(),
});

export class DepartmentService {
  constructor(private readonly models: Models) {}

  list(): Promise<Department[]> {
    return this.models.Department.find().sort({ name: 1 }).lean();
  }

  async create(viewer: Viewer, input: z.infer<typeof DepartmentInputSchema>): Promise<Department> {
    requireAdmin(viewer);
    try {
      const [created] = await this.models.Department.insertMany([input]);
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
    } catch (err) {
      if (isDuplicateKeyError(err) || (err as { code?: number }).code === 1) throw new ConflictError('NAME_TAKEN', 'A department with this name exists');
      throw err;
    }
    return (await this.models.Department.findById(id).lean())!;
  }
}
