import type { z } from 'zod';
import { ValidationError } from '../../core/errors/app-error.js';
import { toFieldIssues } from '../http/zod-issues.js';

export type InputLocation = 'params' | 'query' | 'body';

const label: Record<InputLocation, string> = { params: 'path parameters', query: 'query parameters', body: 'request body' };

/** Parses one part of the request with its route schema; failures are 400 VALIDATION_FAILED with field paths. */
export function parseInput(schema: z.ZodType | undefined, value: unknown, location: InputLocation): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = toFieldIssues(result.error.issues);
  const first = issues[0];
  throw new ValidationError(`Invalid ${label[location]}${first ? `: ${first.path || '(root)'}: ${first.message}` : ''}`, issues);
}
