import type { z } from 'zod';
import type { FieldIssue } from '../../core/errors/app-error.js';

type Issue = z.core.$ZodIssue;
type PathKey = PropertyKey;

const joinPath = (path: readonly PathKey[]) => path.map(String).join('.');

/** A union branch that failed only because the input had another shape altogether tells the client nothing. */
const isShapeMismatch = (branch: readonly Issue[]) => branch.length === 1 && branch[0]!.code === 'invalid_type' && branch[0]!.path.length === 0;

/**
 * zod issues → field-level `{ path, message }`. Unions report the branch that
 * matched the input's shape; unknown keys are reported one field at a time.
 */
export function toFieldIssues(issues: readonly Issue[], prefix: readonly PathKey[] = []): FieldIssue[] {
  return issues.flatMap((issue): FieldIssue[] => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length) {
      const branches = issue.errors.filter((b) => !isShapeMismatch(b));
      const best = branches.reduce<readonly Issue[] | undefined>((a, b) => (!a || b.length < a.length ? b : a), undefined);
      if (best) return toFieldIssues(best, path);
    }
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: joinPath([...path, key]), message: 'unknown field' }));
    return [{ path: joinPath(path), message: issue.message }];
  });
}
