import type { ChannelDescription } from '../../core/domain/channel-settings-form.js';
import { defineRoute } from '../api/route.js';

/** The channel kinds this build runs, with each one's settings form (the console draws its inbox forms from it). */
export const channelKindRoutes = (kinds: ReadonlyArray<ChannelDescription>) => [
  defineRoute({
    method: 'get',
    path: '/channel-kinds',
    operationId: 'listChannelKinds',
    tag: 'inboxes',
    summary: 'Channel kinds this build can run, with the fields of their inbox settings',
    access: 'user',
    handler: () => ({ items: kinds }),
  }),
];
