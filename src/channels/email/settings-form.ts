import type { ChannelDescription } from '../../core/domain/channel-settings-form.js';

/** The email inbox form of the console's settings screen; `settings.ts` (zod) stays the authority. */
export const emailDescription: ChannelDescription = {
  kind: 'email',
  label: 'Email (IMAP + SMTP)',
  webhook: false,
  testable: true,
  canStartConversation: true,
  fields: [
    { key: 'fromAddress', label: 'Support address', type: 'email', required: true, placeholder: 'support@example.com' },
    { key: 'fromName', label: 'Sender name', type: 'text', placeholder: 'Example Support' },
    { key: 'imap.host', label: 'IMAP server', type: 'text', required: true, placeholder: 'imap.example.com' },
    { key: 'imap.port', label: 'IMAP port', type: 'number', default: 993 },
    { key: 'imap.secure', label: 'IMAP over TLS (993)', type: 'boolean', default: true },
    { key: 'imap.user', label: 'IMAP user', type: 'text', required: true },
    { key: 'imap.password', label: 'IMAP password', type: 'text', secret: true, required: true },
    { key: 'imap.mailbox', label: 'Mailbox', type: 'text', default: 'INBOX' },
    { key: 'smtp.host', label: 'SMTP server', type: 'text', required: true, placeholder: 'smtp.example.com' },
    { key: 'smtp.port', label: 'SMTP port', type: 'number', default: 587 },
    { key: 'smtp.secure', label: 'SMTP over TLS (465)', type: 'boolean', default: false },
    { key: 'smtp.user', label: 'SMTP user', type: 'text' },
    { key: 'smtp.password', label: 'SMTP password', type: 'text', secret: true },
    {
      key: 'replyToStyle',
      label: 'Reply-To',
      type: 'select',
      default: 'none',
      options: [
        { value: 'none', label: 'None (replies go to the support address)' },
        { value: 'address', label: 'A fixed address' },
        { value: 'ticket', label: 'A signed per-ticket address' },
      ],
    },
    { key: 'replyToAddress', label: 'Reply-To address', type: 'email' },
    { key: 'pollIntervalSeconds', label: 'Check interval (seconds)', type: 'number', default: 60 },
  ],
};
