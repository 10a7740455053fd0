import type { ChannelDescription } from '../../core/domain/channel-settings-form.js';

/** The website chat inbox form of the console's settings screen. */
export const webchatDescription: ChannelDescription = {
  kind: 'webchat',
  label: 'Website chat',
  webhook: false,
  testable: false,
  canStartConversation: false,
  fields: [
    { key: 'title', label: 'Title', type: 'text', default: 'Chat with us', i18n: { pt: { label: 'Título' }, es: { label: 'Título' } } },
    {
      key: 'greeting',
      label: 'Greeting',
      type: 'textarea',
      default: 'Hi! How can we help you today?',
      i18n: { pt: { label: 'Saudação' }, es: { label: 'Saludo' } },
    },
  ],
};
