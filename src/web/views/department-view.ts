import type { Department } from '../../core/models/department.js';

export function toDepartmentView(d: Department) {
  return { id: String(d._id), name: d.name, description: d.description ?? null, createdAt: d.createdAt.toISOString() };
}
