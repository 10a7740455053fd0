import { z } from 'zod';
import { InboundEventSchema } from '../../core/domain/inbound-event.js';

/** One InboundEvent or a batch of them, exactly as channel adapters produce them. */
export const DevInboundSchema = z.union([InboundEventSchema, z.array(InboundEventSchema).min(1).max(500)]);
