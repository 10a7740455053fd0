import { z } from 'zod';

export const BlobParamsSchema = z.object({ blobId: z.string().min(1).max(64) });
