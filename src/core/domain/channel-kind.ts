import { z } from 'zod';

export const channelKinds = ['email', 'whatsapp', 'telegram', 'sms', 'voice', 'messenger', 'webchat'] as const;
export const ChannelKindSchema = z.enum(channelKinds);
export type ChannelKind = z.infer<typeof ChannelKindSchema>;
