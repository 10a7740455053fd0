import { z } from 'zod';

export const ObjectIdSchema = z.string().regex(/^[0-9a-f]{24}$/i, 'must be an id');

/** `:id` in a path. Unknown or malformed ids are the service's 404, not a 400. */
export const IdParamsSchema = z.object({ id: z.string().min(1).max(64) });

export const MergeSchema = z.object({ targetId: ObjectIdSchema }).strict();
