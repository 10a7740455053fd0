import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { Core } from '../../core/create-core.js';
import type { UserRole } from '../../core/models/user.js';
import type { Viewer } from '../../core/users/viewer.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** `public`: no session needed; `user`: any signed-in user; a role list: only those roles (else 403). */
export type Access = 'public' | 'user' | readonly UserRole[];

/** JSON body size limits: compose carries base64 attachments, everything else is small. */
export type BodyLimit = 'standard' | 'compose';

type MaybeSchema = z.ZodType | undefined;
type Parsed<S extends MaybeSchema> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteContext<P, Q, B, V> {
  core: Core;
  viewer: V;
  params: P;
  query: Q;
  body: B;
  req: Request;
  res: Response;
}

/**
 * One API route: everything the router needs to serve it and everything the
 * OpenAPI document says about it, from the same zod schemas.
 */
export interface RouteSpec<P extends MaybeSchema, Q extends MaybeSchema, B extends MaybeSchema, A extends Access> {
  method: HttpMethod;
  /** Express path under `/api`, e.g. `/tickets/:id`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  access: A;
  params?: P;
  query?: Q;
  body?: B;
  bodyLimit?: BodyLimit;
  /** Success status; 204 sends no body. */
  status?: 200 | 201 | 202 | 204;
  /** A status decided by the result (health: 503 when the database is down); overrides `status`. */
  statusOf?: (result: never) => number;
  /** `json` (default): the handler's result is sent as JSON. `stream`: the handler writes the response itself. */
  produces?: 'json' | 'stream';
  /** Documentation only: the success payload. */
  response?: z.ZodType;
  handler(ctx: RouteContext<Parsed<P>, Parsed<Q>, Parsed<B>, A extends 'public' ? Viewer | undefined : Viewer>): unknown;
}

export type AnyRoute = RouteSpec<MaybeSchema, MaybeSchema, MaybeSchema, Access>;

/** Declares a route with its handler typed from its own schemas. */
export function defineRoute<P extends MaybeSchema = undefined, Q extends MaybeSchema = undefined, B extends MaybeSchema = undefined, A extends Access = 'user'>(
  spec: RouteSpec<P, Q, B, A>,
): AnyRoute {
  return spec as unknown as AnyRoute;
}
