import { describe, expect, it } from 'vitest';
import { channelDescriptions } from '../../../src/channels/channel-catalogue.js';
import { startableChannels } from '../../../src/core/outbound/conversation-starter.js';

describe('which channels can start a conversation', () => {
  it("each channel's description says what the server allows (email, SMS, WhatsApp; not Telegram, Messenger, voice, web chat)", () => {
    const described = Object.fromEntries(channelDescriptions.map((d) => [d.kind, d.canStartConversation]));
    expect(Object.keys(described).length).toBeGreaterThanOrEqual(5);
    for (const [kind, can] of Object.entries(described)) expect(can, kind).toBe(startableChannels.includes(kind as never));
    expect([...startableChannels].sort()).toEqual(['email', 'sms', 'whatsapp']);
  });
});
