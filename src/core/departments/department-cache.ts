import { Types } from 'mongoose';
import { ReadThroughCache } from '../cache/read-through-cache.js';
import type { Department } from '../models/department.js';
import type { Models } from '../models/registry.js';

/** How long another process's change to a department may go unseen here (this process's own: not at all). */
const TTL_MS = 5_000;

/**
 * Departments as automatic assignment reads them for every new ticket and queue drain. Whoever changes a
 * department in this process (`DepartmentService`, `AssignmentSettings`) calls `forget`.
 */
export class DepartmentCache {
  private readonly cache = new ReadThroughCache<Department | null>(TTL_MS);

  constructor(private readonly models: Models) {}

  get(id: string | Types.ObjectId): Promise<Department | null> {
    const key = String(id);
    if (!Types.ObjectId.isValid(key)) return Promise.resolve(null);
    return this.cache.get(key, () => this.models.Department.findById(key).lean().exec());
  }

  forget(id: string | Types.ObjectId): void {
    this.cache.forget(String(id));
  }
}
