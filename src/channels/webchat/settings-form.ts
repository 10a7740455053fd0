import type { ChannelDescription } from '../../core/domain/channel-settings-form.js';

/** What a new web chat inbox is given; left as is, the chat page shows its own words in the visitor's language instead. */
export const WEBCHAT_DEFAULT_TITLE = 'Chat with us';
export const WEBCHAT_DEFAULT_GREETING = 'Hi! How can we help you today?';

/** The website chat inbox form of the console's settings screen. */
export const webchatDescription: ChannelDescription = {
  kind: 'webchat',
  label: 'Website chat',
  webhook: false,
  testable: false,
  canStartConversation: false,
  fields: [
    { key: 'title', label: 'Title', type: 'text', default: WEBCHAT_DEFAULT_TITLE, i18n: { pt: { label: 'Título' }, es: { label: 'Título' } } },
    {
      key: 'greeting',
      label: 'Greeting',
      type: 'textarea',
      default: WEBCHAT_DEFAULT_GREETING,
      i18n: { pt: { label: 'Saudação' }, es: { label: 'Saludo' } },
    },
  ],
};
