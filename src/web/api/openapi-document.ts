import { z } from 'zod';
import type { DocumentedOperation } from '../../core/domain/documented-operation.js';
import { SESSION_COOKIE } from '../auth/session-cookie.js';
import { responseSchemas } from './response-schemas.js';
import type { AnyRoute } from './route.js';

type JsonSchema = Record<string, unknown>;

/** Dates are sent and received as ISO 8601 strings. */
const dateAsString = (ctx: { zodSchema: z.core.$ZodType; jsonSchema: JsonSchema }) => {
  if (ctx.zodSchema._zod.def.type === 'date') Object.assign(ctx.jsonSchema, { type: 'string', format: 'date-time' });
};

function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', override: dateAsString }) as JsonSchema;
  return rest;
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const js = toJsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  const required = new Set(js.required ?? []);
  return Object.entries(js.properties ?? {}).map(([name, s]) => ({ name, in: where, required: where === 'path' || required.has(name), schema: s }));
}

const toOpenApiPath = (expressPath: string) => expressPath.replace(/:(\w+)/g, '{$1}');

const fileResponse = { description: 'The file', content: { 'application/octet-stream': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } } };

function successResponse(route: AnyRoute) {
  const status = route.status ?? 200;
  if (status === 204) return { description: 'No content' };
  if (route.produces === 'stream') {
    return fileResponse;
  }
  const schema = route.response ?? responseSchemas[route.operationId];
  return { description: 'OK', content: { 'application/json': { schema: schema ? toJsonSchema(schema, 'output') : { type: 'object' } } } };
}

function operation(route: AnyRoute) {
  const params = [...parameters(route.params, 'path'), ...parameters(route.query, 'query')];
  const roles = typeof route.access === 'string' ? undefined : [...route.access];
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    ...(params.length ? { parameters: params } : {}),
    // A body that may be left out (applyMacro's optional key) is not a required one.
    ...(route.body ? { requestBody: { required: !route.body.safeParse(undefined).success, content: { 'application/json': { schema: toJsonSchema(route.body, 'input') } } } } : {}),
    responses: { [String(route.status ?? 200)]: successResponse(route), default: { $ref: '#/components/responses/Error' } },
    security: route.access === 'public' ? [] : [{ sessionCookie: [] }, { bearer: [] }],
    ...(roles ? { 'x-roles': roles } : {}),
  };
}

/** An operation another router serves (the website chat), described by the channel that serves it. */
function documentedOperation(op: DocumentedOperation) {
  const params = [...parameters(op.params, 'path'), ...parameters(op.query, 'query')];
  const success =
    op.response === 'file'
      ? fileResponse
      : {
          description: 'OK',
          ...(op.setsCookie ? { headers: { 'Set-Cookie': { description: `\`${op.setsCookie.cookie}\`, on a first visit (${op.setsCookie.description})`, schema: { type: 'string' } } } } : {}),
          content: { 'application/json': { schema: toJsonSchema(op.response, 'output') } },
        };
  return {
    operationId: op.operationId,
    summary: op.summary,
    tags: [op.tag],
    ...(params.length ? { parameters: params } : {}),
    ...(op.body ? { requestBody: { required: true, content: { [op.bodyType ?? 'application/json']: { schema: toJsonSchema(op.body, 'input') } } } } : {}),
    responses: { [String(op.status)]: success, default: { $ref: '#/components/responses/Error' } },
    security: op.auth === 'public' ? [] : [{ [op.auth.scheme]: [] }],
  };
}

/** The cookie schemes documented operations use (`visitorCookie`). */
function cookieSchemes(ops: readonly DocumentedOperation[]) {
  const schemes: Record<string, unknown> = {};
  for (const op of ops) {
    for (const auth of [op.auth, op.setsCookie]) {
      if (auth && auth !== 'public') schemes[auth.scheme] = { type: 'apiKey', in: 'cookie', name: auth.cookie, description: auth.description };
    }
  }
  return schemes;
}

/**
 * OpenAPI 3.1 document of the route list the router serves, from the routes' own zod schemas, plus the
 * operations other routers serve (`documented`: the website chat's `/chat/api/*`), from theirs.
 */
export function buildOpenApiDocument(routes: readonly AnyRoute[], info: { version: string }, documented: readonly DocumentedOperation[] = []) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) (paths[toOpenApiPath(`/api${route.path}`)] ??= {})[route.method] = operation(route);
  for (const op of documented) (paths[toOpenApiPath(op.path)] ??= {})[op.method] = documentedOperation(op);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Ponte API',
      version: info.version,
      description:
        'Errors are `{ "error": { "code", "message", "details"? } }`. State-changing requests with the session cookie must come from our origin (Origin/Referer check).',
    },
    paths,
    components: {
      securitySchemes: {
        sessionCookie: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
        bearer: { type: 'http', scheme: 'bearer', description: 'The session token' },
        ...cookieSchemes(documented),
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', examples: ['VALIDATION_FAILED', 'NOT_FOUND', 'UNAUTHENTICATED'] },
                message: { type: 'string' },
                details: {
                  type: 'object',
                  properties: { issues: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } } },
                },
              },
            },
          },
        },
      },
      responses: { Error: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } } },
    },
  };
}
