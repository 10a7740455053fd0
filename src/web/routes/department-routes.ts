import { DepartmentInputSchema } from '../../core/departments/department-service.js';
import { defineRoute } from '../api/route.js';
import { IdParamsSchema } from '../schemas/common-schemas.js';
import { toDepartmentView } from '../views/department-view.js';

export const departmentRoutes = [
  defineRoute({
    method: 'get',
    path: '/departments',
    operationId: 'listDepartments',
    tag: 'departments',
    summary: 'All departments',
    access: 'user',
    handler: async ({ core }) => ({ items: (await core.departments.list()).map(toDepartmentView) }),
  }),
  defineRoute({
    method: 'post',
    path: '/departments',
    operationId: 'createDepartment',
    tag: 'departments',
    summary: 'Create a department',
    access: ['admin'],
    body: DepartmentInputSchema,
    status: 201,
    handler: async ({ core, viewer, body }) => toDepartmentView(await core.departments.create(viewer, body)),
  }),
  defineRoute({
    method: 'patch',
    path: '/departments/:id',
    operationId: 'updateDepartment',
    tag: 'departments',
    summary: 'Rename or describe a department',
    access: ['admin'],
    params: IdParamsSchema,
    body: DepartmentInputSchema.partial(),
    handler: async ({ core, viewer, params, body }) => toDepartmentView(await core.departments.update(viewer, params.id, body)),
  }),
];
