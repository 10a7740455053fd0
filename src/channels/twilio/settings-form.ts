import type { ChannelDescription, ChannelSettingsField } from '../../core/domain/channel-settings-form.js';

/** The SMS and voice inbox forms of the console's settings screen; `settings.ts` (zod) stays the authority. */

const account: ChannelSettingsField[] = [
  {
    key: 'accountSid',
    label: 'Account SID',
    type: 'text',
    required: true,
    placeholder: 'AC…',
    i18n: { pt: { label: 'Account SID' }, es: { label: 'Account SID' } },
  },
  {
    key: 'authToken',
    label: 'Auth token',
    type: 'text',
    secret: true,
    required: true,
    i18n: { pt: { label: 'Auth token' }, es: { label: 'Auth token' } },
  },
];
const publicUrl: ChannelSettingsField = {
  key: 'publicUrl',
  label: 'Public URL Twilio calls',
  type: 'url',
  help:
    'Only behind a proxy or tunnel: the base address Twilio uses (it signs that exact URL). ' +
    "Default: the hub's PUBLIC_URL.",
  placeholder: 'https://support.example.com',
  i18n: {
    pt: {
      label: 'URL pública chamada pelo Twilio',
      help:
        'Só atrás de um proxy ou túnel: o endereço que o Twilio usa (ele assina exatamente essa URL). ' +
        'Padrão: o PUBLIC_URL do hub.',
    },
    es: {
      label: 'URL pública que llama Twilio',
      help:
        'Solo detrás de un proxy o túnel: la dirección que usa Twilio (firma exactamente esa URL). ' +
        'Por defecto: el PUBLIC_URL del hub.',
    },
  },
};

export const smsDescription: ChannelDescription = {
  kind: 'sms',
  label: 'SMS (Twilio)',
  webhook: true,
  testable: true,
  canStartConversation: true,
  fields: [
    ...account,
    {
      key: 'phoneNumber',
      label: 'Phone number',
      type: 'text',
      placeholder: '+5511999990000',
      help: 'Or a Messaging Service below.',
      i18n: {
        pt: { label: 'Número de telefone', help: 'Ou um Messaging Service abaixo.' },
        es: { label: 'Número de teléfono', help: 'O un Messaging Service abajo.' },
      },
    },
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
    {
      key: 'phoneNumber',
      label: 'Phone number',
      type: 'text',
      required: true,
      placeholder: '+5511999990000',
      i18n: { pt: { label: 'Número de telefone' }, es: { label: 'Número de teléfono' } },
    },
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
      i18n: { pt: { label: 'Idioma da saudação' }, es: { label: 'Idioma del saludo' } },
    },
    {
      key: 'greeting',
      label: 'Greeting',
      type: 'textarea',
      help: 'Empty: a default greeting in the language above.',
      i18n: {
        pt: { label: 'Saudação', help: 'Vazio: uma saudação padrão no idioma acima.' },
        es: { label: 'Saludo', help: 'Vacío: un saludo predeterminado en el idioma de arriba.' },
      },
    },
    {
      key: 'voicemailPrompt',
      label: 'Voicemail prompt',
      type: 'textarea',
      i18n: { pt: { label: 'Mensagem do correio de voz' }, es: { label: 'Mensaje del buzón de voz' } },
    },
    {
      key: 'forwardTo',
      label: 'Ring this number first',
      type: 'text',
      placeholder: '+5511988887777',
      help: 'Empty: straight to voicemail.',
      i18n: {
        pt: { label: 'Tocar primeiro neste número', help: 'Vazio: direto para o correio de voz.' },
        es: { label: 'Llamar primero a este número', help: 'Vacío: directo al buzón de voz.' },
      },
    },
    {
      key: 'dialTimeoutSeconds',
      label: 'Ring for (seconds)',
      type: 'number',
      default: 20,
      i18n: { pt: { label: 'Tocar por (segundos)' }, es: { label: 'Sonar durante (segundos)' } },
    },
    {
      key: 'maxVoicemailSeconds',
      label: 'Longest voicemail (seconds)',
      type: 'number',
      default: 120,
      i18n: {
        pt: { label: 'Duração máxima do recado (segundos)' },
        es: { label: 'Duración máxima del mensaje (segundos)' },
      },
    },
    {
      key: 'transcribe',
      label: 'Transcribe voicemails (English only)',
      type: 'boolean',
      default: true,
      i18n: {
        pt: { label: 'Transcrever recados (só inglês)' },
        es: { label: 'Transcribir mensajes (solo inglés)' },
      },
    },
    {
      key: 'agentPhone',
      label: 'Agent phone for call-backs',
      type: 'text',
      placeholder: '+5511977776666',
      i18n: {
        pt: { label: 'Telefone do agente para retornos' },
        es: { label: 'Teléfono del agente para devolver llamadas' },
      },
    },
    publicUrl,
  ],
};
