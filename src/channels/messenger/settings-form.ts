import type { ChannelDescription } from '../../core/domain/channel-settings-form.js';

/** The Messenger inbox form of the console's settings screen; `settings.ts` (zod) stays the authority. */
export const messengerDescription: ChannelDescription = {
  kind: 'messenger',
  label: 'Facebook Messenger',
  webhook: true,
  testable: true,
  // Messenger lets a Page write only to people who wrote first (and within 24 hours).
  canStartConversation: false,
  fields: [
    { key: 'pageId', label: 'Page ID', type: 'text', required: true, placeholder: '104857600000000' },
    {
      key: 'pageAccessToken',
      label: 'Page access token',
      type: 'text',
      secret: true,
      required: true,
      help: 'A Page token with the pages_messaging permission (Meta app → Messenger → Access tokens).',
    },
    {
      key: 'appSecret',
      label: 'App secret',
      type: 'text',
      secret: true,
      required: true,
      help: 'Meta app → Settings → Basic. Every webhook is checked against its X-Hub-Signature-256.',
    },
    {
      key: 'verifyToken',
      label: 'Verify token',
      type: 'text',
      secret: true,
      help:
        'Any string; paste the same into Meta\'s webhook "Verify token" field. Left empty, the inbox\'s generated ' +
        'webhook secret (settings.webhookSecret) is the token; it is write-only, so set your own to be able ' +
        'to paste it.',
    },
    {
      key: 'allowHumanAgentTag',
      label: 'Allow replies after 24 hours (HUMAN_AGENT tag)',
      type: 'boolean',
      default: false,
      help:
        'Only if Meta approved your app for the Human Agent feature: replies up to 7 days after the customer ' +
        'wrote.',
    },
  ],
};
