import { readSessionToken } from '../auth/session-cookie.js';
import { CreateUserSchema, UpdateUserSchema } from '../../core/users/user-service.js';
import { defineRoute } from '../api/route.js';
import { IdParamsSchema } from '../schemas/common-schemas.js';
import { toUserView } from '../views/user-view.js';

export const userRoutes = [
  defineRoute({
    method: 'get',
    path: '/users',
    operationId: 'listUsers',
    tag: 'users',
    summary: 'All users (agents need them to assign tickets)',
    access: 'user',
    handler: async ({ core }) => ({ items: (await core.users.list()).map(toUserView) }),
  }),
  defineRoute({
    method: 'get',
    path: '/users/:id',
    operationId: 'getUser',
    tag: 'users',
    summary: 'One user',
    access: 'user',
    params: IdParamsSchema,
    handler: async ({ core, params }) => toUserView(await core.users.get(params.id)),
  }),
  defineRoute({
    method: 'post',
    path: '/users',
    operationId: 'createUser',
    tag: 'users',
    summary: 'Create a user',
    access: ['admin'],
    body: CreateUserSchema,
    status: 201,
    handler: async ({ core, viewer, body }) => toUserView(await core.users.create(viewer, body)),
  }),
  defineRoute({
    method: 'patch',
    path: '/users/:id',
    operationId: 'updateUser',
    tag: 'users',
    summary: 'Change a user (role, departments, password, active)',
    access: ['admin'],
    params: IdParamsSchema,
    body: UpdateUserSchema,
    handler: async ({ core, viewer, params, body, req }) =>
      toUserView(await core.users.update(viewer, params.id, body, readSessionToken(req))),
  }),
];
