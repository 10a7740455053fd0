import type { ChannelDescription } from '../../core/domain/channel-settings-form.js';

/** The Telegram inbox form of the console's settings screen; `settings.ts` (zod) stays the authority. */
export const telegramDescription: ChannelDescription = {
  kind: 'telegram',
  label: 'Telegram bot',
  webhook: true,
  testable: true,
  // A bot cannot write to a user who has not opened the chat (and knows no phone number): see conversation-starter.ts.
  canStartConversation: false,
  fields: [
    {
      key: 'botToken',
      label: 'Bot token',
      type: 'text',
      secret: true,
      required: true,
      placeholder: '123456789:AAF…',
      help: 'From @BotFather (/newbot or /token). Stored encrypted; never shown again.',
    },
    {
      key: 'mode',
      label: 'How updates arrive',
      type: 'select',
      default: 'webhook',
      options: [
        { value: 'webhook', label: 'Webhook (Telegram calls this hub; needs a public https address)' },
        { value: 'polling', label: 'Long polling (works behind a firewall; one hub process polls)' },
      ],
      help: 'In webhook mode the hub registers its webhook with Telegram itself when the inbox starts.',
    },
    {
      key: 'allowGroups',
      label: 'Accept group chats',
      type: 'boolean',
      default: false,
      help: 'Off: only private chats with the bot become tickets. On: each group the bot is in is one conversation.',
    },
    {
      key: 'publicUrl',
      label: 'Public address for the webhook',
      type: 'url',
      placeholder: 'https://support.example.com',
      help: "Only when Telegram must call another address than the hub's PUBLIC_URL (a tunnel or proxy).",
    },
  ],
};
