import { clientAddress } from '../auth/authenticate.js';
import { clearSessionCookie, readSessionToken, setSessionCookie } from '../auth/session-cookie.js';
import { defineRoute } from '../api/route.js';
import { LoginSchema } from '../schemas/auth-schemas.js';
import { z } from 'zod';
import { ChangeOwnPasswordSchema, UpdateOwnProfileSchema, UseLinkSchema } from '../../core/users/user-service.js';
import type { Core } from '../../core/create-core.js';
import type { Viewer } from '../../core/users/viewer.js';

/** The signed-in user with their language: the console follows the account's locale, not only the browser's. */
const withLocale = async (core: Core, viewer: Viewer) => ({ ...viewer, locale: (await core.users.get(viewer.id)).locale ?? null });

export const authRoutes = [
  defineRoute({
    method: 'post',
    path: '/auth/login',
    operationId: 'login',
    tag: 'auth',
    summary: 'Sign in; sets the httpOnly session cookie (rate limited: 429 with Retry-After)',
    access: 'public',
    body: LoginSchema,
    handler: async ({ core, body, req, res }) => {
      const session = await core.sessions.login(body.email, body.password, clientAddress(req));
      setSessionCookie(res, core.config.auth, session.token);
      return withLocale(core, session.viewer);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/auth/logout',
    operationId: 'logout',
    tag: 'auth',
    summary: 'End the session and clear the cookie',
    access: 'public',
    status: 204,
    handler: async ({ core, req, res }) => {
      await core.sessions.logout(readSessionToken(req));
      clearSessionCookie(res, core.config.auth);
    },
  }),
  defineRoute({
    method: 'post',
    path: '/auth/password',
    operationId: 'changeOwnPassword',
    tag: 'auth',
    summary: 'Change your own password; every other session of yours ends (this one stays). Wrong current passwords count like failed logins (429 RATE_LIMITED)',
    access: 'user',
    body: ChangeOwnPasswordSchema,
    status: 204,
    handler: async ({ core, viewer, body, req }) => {
      await core.users.changeOwnPassword(viewer, body, readSessionToken(req), clientAddress(req));
    },
  }),
  defineRoute({
    method: 'get',
    path: '/auth/me',
    operationId: 'getMe',
    tag: 'auth',
    summary: 'The signed-in user',
    access: 'user',
    handler: ({ core, viewer }) => withLocale(core, viewer),
  }),
  defineRoute({
    method: 'patch',
    path: '/auth/me',
    operationId: 'updateMe',
    tag: 'auth',
    summary: 'Change your own name or language (pt, es, en)',
    access: 'user',
    body: UpdateOwnProfileSchema,
    handler: async ({ core, viewer, body }) => {
      await core.users.updateOwnProfile(viewer, body);
      return withLocale(core, { ...viewer, ...(body.name ? { name: body.name } : {}) });
    },
  }),
  defineRoute({
    method: 'get',
    path: '/auth/links/:token',
    operationId: 'describeUserLink',
    tag: 'auth',
    summary: 'Who an invite or password-reset link is for (401 when invalid or expired)',
    access: 'public',
    params: z.object({ token: z.string().min(10).max(200) }),
    handler: ({ core, params }) => core.users.describeLink(params.token),
  }),
  defineRoute({
    method: 'post',
    path: '/auth/links',
    operationId: 'useUserLink',
    tag: 'auth',
    summary: 'Set your password with a one-time invite or reset link, and sign in (the link works once)',
    access: 'public',
    body: UseLinkSchema,
    handler: async ({ core, body, req, res }) => {
      const { email } = await core.users.useLink(body);
      const session = await core.sessions.login(email, body.password, clientAddress(req));
      setSessionCookie(res, core.config.auth, session.token);
      return withLocale(core, session.viewer);
    },
  }),
];
