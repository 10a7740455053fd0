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
  defineRoute({
    method: 'delete',
    path: '/departments/:id',
    operationId: 'deleteDepartment',
    tag: 'departments',
    summary: 'Delete a department nothing refers to (409 DEPARTMENT_NOT_EMPTY names its users, tickets, inboxes, canned responses)',
    access: ['admin'],
    params: IdParamsSchema,
    status: 204,
    handler: async ({ core, viewer, params }) => {
      await core.departments.remove(viewer, params.id);
    },
  }),
];
