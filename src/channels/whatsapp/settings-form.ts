import type { ChannelDescription } from '../../core/domain/channel-settings-form.js';

/**
 * The WhatsApp inbox form of the console's settings screen; `settings.ts` (zod) stays the authority.
 * The pairing QR code is not a field: it arrives as `health.qr` (admins only) and is drawn live.
 */
export const whatsappDescription: ChannelDescription = {
  kind: 'whatsapp',
  label: 'WhatsApp (WhatsApp Web session)',
  webhook: false,
  testable: false,
  canStartConversation: true,
  fields: [
    {
      key: 'auth',
      label: 'Session storage',
      type: 'select',
      default: 'remote',
      options: [
        { value: 'remote', label: 'In the database (survives restarts, any hub process)' },
        { value: 'local', label: 'On this machine only (LocalAuth)' },
      ],
      help: 'Where the paired session is kept. In the database, a restart or another hub process needs no new QR scan.',
    },
    { key: 'allowGroups', label: 'Answer group chats', type: 'boolean', default: false, help: 'Group messages are ignored unless on.' },
    { key: 'maxMediaMb', label: 'Largest media to download (MB)', type: 'number', default: 16 },
    {
      key: 'sendWaitSeconds',
      label: 'Hold replies while disconnected (seconds per attempt)',
      type: 'number',
      default: 20,
      help: 'Replies wait this long for the session; after that their delivery is retried later, in order.',
    },
    {
      key: 'chromiumPath',
      label: 'Chromium / Chrome executable',
      type: 'text',
      placeholder: '/usr/bin/chromium',
      help: "Leave empty for the hub's WHATSAPP_CHROMIUM_PATH.",
    },
    {
      key: 'driver',
      label: 'Driver',
      type: 'select',
      default: 'web',
      options: [
        { value: 'web', label: 'WhatsApp Web (Chromium)' },
        { value: 'fake', label: 'Simulator (development only)' },
      ],
      help: 'The simulator never reaches WhatsApp: `npm run simulate -- whatsapp` feeds it messages.',
    },
    { key: 'fakePort', label: 'Simulator port (development)', type: 'number', default: 7801 },
  ],
};
