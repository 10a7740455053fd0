/**
 * How a channel describes its inbox settings to the console: one field list per kind, served by
 * `GET /api/channel-kinds`, from which the settings screen draws its form. The channel's zod schema stays
 * the authority; this is its description for people. `secret` fields are write-only (stored encrypted,
 * shown as "set"). `key` may name a group member (`imap.host`).
 */
export interface ChannelSettingsField {
  key: string;
  label: string;
  type: 'text' | 'number' | 'boolean' | 'select' | 'url' | 'email' | 'textarea';
  secret?: boolean;
  required?: boolean;
  options?: ReadonlyArray<{ value: string; label: string }>;
  help?: string;
  placeholder?: string;
  default?: string | number | boolean;
  /** The console's Portuguese and Spanish texts; English (`label`, `help`, option labels) is the fallback. */
  i18n?: Partial<Record<'pt' | 'es', ChannelFieldTexts>>;
}

export interface ChannelFieldTexts {
  label?: string;
  help?: string;
  placeholder?: string;
  /** Option labels by option value. */
  options?: Record<string, string>;
}

export interface ChannelDescription {
  kind: string;
  label: string;
  fields: ReadonlyArray<ChannelSettingsField>;
  /** Webhook channels: the URL to paste into the platform is `<public url>/webhooks/<kind>/<inboxId>`. */
  webhook: boolean;
  /** Whether "test connection" exists for this kind. */
  testable: boolean;
  /** Whether an agent can start a conversation on it (email, SMS, WhatsApp: `startableChannels` in conversation-starter.ts). */
  canStartConversation: boolean;
}
