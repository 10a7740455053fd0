import { clientAddress } from '../auth/authenticate.js';
import { clearSessionCookie, readSessionToken, setSessionCookie } from '../auth/session-cookie.js';
import { defineRoute } from '../api/route.js';
import { LoginSchema } from '../schemas/auth-schemas.js';
import { ChangeOwnPasswordSchema } from '../../core/users/user-service.js';

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
      return session.viewer;
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
    summary: 'Change your own password; every other session of yours ends (this one stays)',
    access: 'user',
    body: ChangeOwnPasswordSchema,
    status: 204,
    handler: async ({ core, viewer, body, req }) => {
      await core.users.changeOwnPassword(viewer, body, readSessionToken(req));
    },
  }),
  defineRoute({
    method: 'get',
    path: '/auth/me',
    operationId: 'getMe',
    tag: 'auth',
    summary: 'The signed-in user',
    access: 'user',
    handler: ({ viewer }) => viewer,
  }),
];
