/**
 * Would MongoDB answer a query shape from an index, or read the whole
 * collection (COLLSCAN)? Decided from the filter and sort alone, against the
 * declared indexes, by the planner's rules that matter here: an index serves a
 * conjunction when its first field is constrained (equality, $in, range,
 * $exists: false), or when its keys (after equality-bound fields) give the whole
 * sort; a top-level $or is served only when every branch is.
 */
export type IndexKeys = Array<[string, 1 | -1]>;

export interface QueryShape {
  collection: string;
  filter: Record<string, unknown>;
  sort?: Record<string, 1 | -1>;
  /** Where it came from (the operation that issued it), for the failure message. */
  origin: string;
}

const operators = new Set(['$in', '$gt', '$gte', '$lt', '$lte', '$eq', '$all']);

/** A predicate an index can bound (not $ne, $nin, $not, unanchored regex, $exists: true alone). */
function bounds(predicate: unknown): boolean {
  if (predicate === null || typeof predicate !== 'object' || Array.isArray(predicate) || predicate instanceof Date) return true;
  if (typeof (predicate as { toHexString?: unknown }).toHexString === 'function') return true; // ObjectId
  const keys = Object.keys(predicate as object);
  if (keys.length === 0 || !keys[0]!.startsWith('$')) return true; // an embedded document, compared whole
  const p = predicate as Record<string, unknown>;
  if (keys.some((k) => operators.has(k))) return true;
  if ('$exists' in p && p.$exists === false) return true;
  if ('$regex' in p && typeof p.$regex === 'string' && p.$regex.startsWith('^') && !String(p.$options ?? '').includes('i')) return true;
  return false;
}

function isEquality(predicate: unknown): boolean {
  if (predicate === null || typeof predicate !== 'object' || predicate instanceof Date) return true;
  if (typeof (predicate as { toHexString?: unknown }).toHexString === 'function') return true;
  const keys = Object.keys(predicate as object);
  return keys.length === 1 && (keys[0] === '$eq' || (keys[0] === '$in' && Array.isArray((predicate as { $in: unknown[] }).$in) && (predicate as { $in: unknown[] }).$in.length === 1));
}

/** Flattens nested $and into one list of conjuncts. */
function conjuncts(filter: Record<string, unknown>): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const [k, v] of Object.entries(filter)) {
    if (k === '$and') for (const part of v as Array<Record<string, unknown>>) out.push(...conjuncts(part));
    else out.push({ [k]: v });
  }
  return out;
}

function sortServedBy(index: IndexKeys, equalities: Set<string>, sort: Record<string, 1 | -1>): boolean {
  const wanted = Object.entries(sort);
  if (wanted.length === 0) return false;
  let i = 0;
  while (i < index.length && equalities.has(index[i]![0]) && index[i]![0] !== wanted[0]![0]) i++;
  const rest = index.slice(i);
  if (rest.length < wanted.length) return false;
  const same = wanted.every(([f, d], k) => rest[k]![0] === f && rest[k]![1] === d);
  const reversed = wanted.every(([f, d], k) => rest[k]![0] === f && rest[k]![1] === -d);
  return same || reversed;
}

/** True when some index serves the conjunction (with the sort, if any). */
export function servedByIndex(filter: Record<string, unknown>, sort: Record<string, 1 | -1> | undefined, indexes: IndexKeys[]): boolean {
  const parts = conjuncts(filter);
  const bound = new Set<string>();
  const equalities = new Set<string>();
  const ors: Array<Array<Record<string, unknown>>> = [];
  for (const part of parts) {
    const [k, v] = Object.entries(part)[0]!;
    if (k === '$or') ors.push(v as Array<Record<string, unknown>>);
    else if (!k.startsWith('$') && bounds(v)) {
      bound.add(k);
      if (isEquality(v)) equalities.add(k);
    }
  }
  if (indexes.some((ix) => bound.has(ix[0]![0]))) return true;
  if (sort && indexes.some((ix) => sortServedBy(ix, equalities, sort))) return true;
  // An $or whose every branch (with the rest of the conjunction) is served by an index.
  return ors.some((branches) =>
    branches.every((b) => servedByIndex({ ...Object.fromEntries(parts.filter((p) => !('$or' in p)).flatMap((p) => Object.entries(p))), ...b }, undefined, indexes)),
  );
}

/** The shapes no declared index serves: each would read the whole collection on MongoDB. */
export function uncovered(shapes: QueryShape[], indexesOf: (collection: string) => IndexKeys[] | undefined): QueryShape[] {
  return shapes.filter((s) => {
    const indexes = indexesOf(s.collection);
    if (!indexes) return false; // a collection these checks do not cover
    if (Object.keys(s.filter).length === 0 && !s.sort) return false; // a whole-collection read on purpose (rebuilds, reports)
    return !servedByIndex(s.filter, s.sort, [[['_id', 1]], ...indexes]);
  });
}
