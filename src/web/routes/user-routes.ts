import { readSessionToken } from '../auth/session-cookie.js';
import { CreateUserSchema, UpdateUserSchema } from '../../core/users/user-service.js';
import { defineRoute } from '../api/route.js';
import { IdParamsSchema } from '../schemas/common-schemas.js';
import { toLinkView, toUserView } from '../views/user-view.js';

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
    handler: async ({ core, viewer, body }) => {
      const { user, invite } = await core.users.create(viewer, body);
      // The invite link is shown to the admin once (no outbound mail needed); only its hash is stored.
      return { ...toUserView(user), ...(invite ? { invite: toLinkView(invite) } : {}) };
    },
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
  defineRoute({
    method: 'post',
    path: '/users/:id/reset-link',
    operationId: 'issuePasswordResetLink',
    tag: 'users',
    summary: 'A one-time link (24 h) with which the user sets a new password; an older link stops working',
    access: ['admin'],
    params: IdParamsSchema,
    status: 201,
    handler: async ({ core, viewer, params }) => toLinkView(await core.users.issueResetLink(viewer, params.id)),
  }),
];
