import { defineRoute } from '../api/route.js';
import { DevInboundSchema } from '../schemas/dev-inbound-schema.js';

/** Feeds InboundEvents straight into ingest. Registered only when DEV_INBOUND_ENABLED=true. */
export const devInboundRoutes = [
  defineRoute({
    method: 'post',
    path: '/dev/inbound',
    operationId: 'devInbound',
    tag: 'dev',
    summary: 'Ingest one InboundEvent or a batch (development only; disabled unless configured)',
    access: ['admin'],
    body: DevInboundSchema,
    bodyLimit: 'compose',
    status: 202,
    handler: ({ core, body }) => core.ingest.accept(Array.isArray(body) ? body : [body]),
  }),
];
