import type { ChannelKind } from '../domain/channel-kind.js';

/** Capacity is counted per lane: live conversations (chat) and asynchronous ones (email, call-backs). */
export type Lane = 'chat' | 'email';

const chatKinds: ReadonlySet<ChannelKind> = new Set(['webchat', 'whatsapp', 'telegram', 'messenger', 'sms']);

export const laneOf = (channel: ChannelKind): Lane => (chatKinds.has(channel) ? 'chat' : 'email');
