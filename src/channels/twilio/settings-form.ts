import type { ChannelDescription, ChannelSettingsField } from '../../core/domain/channel-settings-form.js';

/** The SMS and voice inbox forms of the console's settings screen; `settings.ts` (zod) stays the authority. */

const account: ChannelSettingsField[] = [
  { key: 'accountSid', label: 'Account SID', type: 'text', required: true, placeholder: 'AC…' },
  { key: 'authToken', label: 'Auth token', type: 'text', secret: true, required: true },
];
const publicUrl: ChannelSettingsField = {
  key: 'publicUrl',
  label: 'Public URL Twilio calls',
  type: 'url',
  help: 'Only behind a proxy or tunnel: the base address Twilio uses (it signs that exact URL). Default: the hub\'s PUBLIC_URL.',
  placeholder: 'https://support.example.com',
};

export const smsDescription: ChannelDescription = {
  kind: 'sms',
  label: 'SMS (Twilio)',
  webhook: true,
  testable: true,
  canStartConversation: true,
  fields: [
    ...account,
    { key: 'phoneNumber', label: 'Phone number', type: 'text', placeholder: '+5511999990000', help: 'Or a Messaging Service below.' },
    { key: 'messagingServiceSid', label: 'Messaging Service SID', type: 'text', placeholder: 'MG…' },
    publicUrl,
  ],
};

export const voiceDescription: ChannelDescription = {
  kind: 'voice',
  label: 'Phone calls (Twilio)',
  webhook: true,
  testable: true,
  canStartConversation: false,
  fields: [
    ...account,
    { key: 'phoneNumber', label: 'Phone number', type: 'text', required: true, placeholder: '+5511999990000' },
    {
      key: 'language',
      label: 'Language of the greeting',
      type: 'select',
      default: 'en-US',
      options: [
        { value: 'pt-BR', label: 'Português (Brasil)' },
        { value: 'es-ES', label: 'Español' },
        { value: 'en-US', label: 'English (US)' },
      ],
    },
    { key: 'greeting', label: 'Greeting', type: 'textarea', help: 'Empty: a default greeting in the language above.' },
    { key: 'voicemailPrompt', label: 'Voicemail prompt', type: 'textarea' },
    { key: 'forwardTo', label: 'Ring this number first', type: 'text', placeholder: '+5511988887777', help: 'Empty: straight to voicemail.' },
    { key: 'dialTimeoutSeconds', label: 'Ring for (seconds)', type: 'number', default: 20 },
    { key: 'maxVoicemailSeconds', label: 'Longest voicemail (seconds)', type: 'number', default: 120 },
    { key: 'transcribe', label: 'Transcribe voicemails (English only)', type: 'boolean', default: true },
    { key: 'agentPhone', label: 'Agent phone for call-backs', type: 'text', placeholder: '+5511977776666' },
    publicUrl,
  ],
};
