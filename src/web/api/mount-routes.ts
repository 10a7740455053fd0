import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { Core } from '../../core/create-core.js';
import { AppError } from '../../core/errors/app-error.js';
import { authenticate, requireRole } from '../auth/authenticate.js';
import { readJsonBody } from '../http/json-body.js';
import { parseInput } from './parse-input.js';
import type { AnyRoute } from './route.js';

/**
 * Serves a route: authenticate → role gate → read body → parse params, query
 * and body with the route's schemas → handler → send. Authentication comes
 * first so an anonymous client cannot make us read a large body.
 */
async function serve(core: Core, route: AnyRoute, req: Request, res: Response): Promise<void> {
  const viewer = route.access === 'public' ? undefined : await authenticate(core, req);
  if (viewer && typeof route.access !== 'string') requireRole(viewer, route.access);
  if (route.body) await readJsonBody(req, res, route.bodyLimit ?? 'standard');
  const result = await route.handler({
    core,
    viewer: viewer!,
    params: parseInput(route.params, req.params, 'params'),
    query: parseInput(route.query, req.query, 'query'),
    body: parseInput(route.body, req.body, 'body'),
    req,
    res,
  } as Parameters<AnyRoute['handler']>[0]);
  if (route.produces === 'stream') return;
  const status = route.statusOf ? route.statusOf(result as never) : (route.status ?? 200);
  if (status === 204) res.status(204).end();
  else res.status(status).json(result);
}

/** A known path asked with a method it does not have: 405 with `Allow` (OPTIONS gets the list). */
function methodNotAllowed(methods: string[]): RequestHandler {
  const allow = [...new Set([...methods, ...(methods.includes('GET') ? ['HEAD'] : []), 'OPTIONS'])].join(', ');
  return (req, res, next) => {
    res.setHeader('Allow', allow);
    if (req.method === 'OPTIONS') return void res.status(204).end();
    next(new AppError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; allowed: ${allow}`));
  };
}

/** The API router, built from the same route list as the OpenAPI document. */
export function buildApiRouter(core: Core, routes: readonly AnyRoute[]): Router {
  const router = express.Router();
  const methodsByPath = new Map<string, string[]>();
  for (const route of routes) {
    router[route.method](route.path, (req: Request, res: Response) => serve(core, route, req, res));
    methodsByPath.set(route.path, [...(methodsByPath.get(route.path) ?? []), route.method.toUpperCase()]);
  }
  for (const [path, methods] of methodsByPath) router.all(path, methodNotAllowed(methods));
  return router;
}
