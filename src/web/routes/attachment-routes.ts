import { defineRoute } from '../api/route.js';
import { sendAttachment } from '../attachments/send-attachment.js';
import { BlobParamsSchema } from '../schemas/blob-params-schema.js';

export const attachmentRoutes = [
  defineRoute({
    method: 'get',
    path: '/attachments/:blobId',
    operationId: 'downloadAttachment',
    tag: 'messages',
    summary: 'Download an attachment of a message on a ticket the viewer may see',
    access: 'user',
    params: BlobParamsSchema,
    produces: 'stream',
    handler: async ({ core, viewer, params, res }) => sendAttachment(res, core, await core.attachments.find(viewer, params.blobId)),
  }),
];
