import { describe, expect, it } from 'vitest';
import { InboundEventSchema } from '../../../src/core/domain/inbound-event.js';
import { e164Of, mapUpdate, occurredAtOf } from '../../../src/channels/telegram/mapper.js';
import { TelegramUpdateSchema } from '../../../src/channels/telegram/update-schema.js';
import { fixture } from './fixtures.js';

const opts = { inboxId: 'inbox-tg', botId: '7012345678', allowGroups: false };
const map = (name: string, o: Partial<typeof opts> = {}) => {
  const events = mapUpdate(TelegramUpdateSchema.parse(fixture(name)), { ...opts, ...o });
  // Whatever the mapper makes must be what the core accepts.
  for (const e of events) InboundEventSchema.parse(e);
  return events as any[];
};
const one = (name: string, o: Partial<typeof opts> = {}) => {
  const events = map(name, o);
  expect(events).toHaveLength(1);
  return events[0];
};

describe('telegram mapper', () => {
  it('text: keys, sender, timestamp and entities as safe HTML', () => {
    const e = one('01-text-entities');
    expect(e).toMatchObject({
      type: 'message.received',
      providerKey: 'tg:7012345678:381234567:1201',
      providerMessageId: '381234567:1201',
      inboxId: 'inbox-tg',
      sender: { handle: '381234567', displayName: 'Ana Souza (@anasouza)', identityKeys: ['telegram:381234567'] },
      threading: { conversationId: '381234567' },
      attachments: [],
    });
    expect(e.text).toContain('Olá! 😀 Meu pedido *não* chegou.');
    expect(e.occurredAt).toEqual(new Date(1764770400 * 1000 + 201));
    // Offsets are UTF-16 units: the emoji before the bold text must not shift it.
    expect(e.html).toContain('<b>Meu pedido *<i>não</i>*</b>');
    expect(e.html).toContain('<a href="https://loja.example.com/pedido/123"');
    expect(e.html).toContain('<code>ABC-42</code>');
    expect(e.html).toContain('<a href="https://loja.example.com/ajuda"');
    expect(e.html).toContain('&lt;script&gt;');
    expect(e.html).not.toContain('<script>');
  });

  it('plain text has no HTML', () => {
    const e = one('13-reply');
    expect(e.html).toBeUndefined();
  });

  it('photo: the largest size by file_id, caption with its entities', () => {
    const e = one('02-photo-caption');
    expect(e.attachments).toEqual([
      { fileName: 'photo-1202.jpg', mimeType: 'image/jpeg', size: 146200, remoteRef: 'AgACAgEAAxkBAAIBdmdPhoto-x' },
    ]);
    expect(e.text).toBe('A caixa chegou *amassada*');
    expect(e.html).toContain('<b>*amassada*</b>');
  });

  it.each([
    [
      '03-document',
      {
        fileName: 'nota-fiscal-123.pdf',
        mimeType: 'application/pdf',
        size: 48213,
        remoteRef: 'BQACAgEAAxkBAAIBd2dDoc',
      },
      '',
    ],
    [
      '04-voice',
      { fileName: 'voice-1204.ogg', mimeType: 'audio/ogg', size: 18944, remoteRef: 'AwACAgEAAxkBAAIBeGdVoice' },
      '',
    ],
    [
      '05-audio',
      {
        fileName: 'gravacao-ligacao.mp3',
        mimeType: 'audio/mpeg',
        size: 2934112,
        remoteRef: 'CQACAgEAAxkBAAIBeWdAudio',
      },
      '',
    ],
    [
      '06-video',
      { fileName: 'VID_20261203.mp4', mimeType: 'video/mp4', size: 3811020, remoteRef: 'BAACAgEAAxkBAAIBemdVideo' },
      'Olha o barulho',
    ],
    [
      '07-video-note',
      { fileName: 'video-note-1207.mp4', mimeType: 'video/mp4', size: 402113, remoteRef: 'DQACAgEAAxkBAAIBe2dNote' },
      '',
    ],
    [
      '08-sticker-static',
      { fileName: 'sticker-1208.webp', mimeType: 'image/webp', size: 28790, remoteRef: 'CAACAgIAAxkBAAIBfGdSticker' },
      '[sticker 👍]',
    ],
    [
      '09-sticker-animated',
      { fileName: 'sticker-1209.webp', mimeType: 'image/webp', size: 5402, remoteRef: 'AAMCAgADuckThumb' },
      '[sticker 😭]',
    ],
  ])('%s: one attachment by reference, fetched later', (name, attachment, text) => {
    const e = one(name);
    expect(e.attachments).toEqual([attachment]);
    expect(e.text).toBe(text);
  });

  it('location: coordinates and a map link', () => {
    const e = one('10-location');
    expect(e.text).toBe(
      '📍 Location: -23.561414, -46.655881\n' +
        'https://www.openstreetmap.org/?mlat=-23.561414&mlon=-46.655881#map=17/-23.561414/-46.655881',
    );
  });

  it("contact: the sender's own number becomes their phone (identity phone:+E164)", () => {
    const e = one('11-contact-own');
    expect(e.sender).toMatchObject({
      handle: '381234567',
      phone: '+5511987654321',
      identityKeys: ['telegram:381234567'],
    });
    expect(e.text).toBe('👤 Contact: Ana Souza — 5511987654321');
  });

  it("contact: someone else's card is shown but never linked to the sender", () => {
    const e = one('12-contact-other');
    expect(e.sender.phone).toBeUndefined();
    expect(e.text).toBe('👤 Contact: Carlos Ruiz — +34 612 345 678');
  });

  it('reply: the quoted message is named as <chat>:<message_id>', () => {
    expect(one('13-reply').threading).toEqual({
      conversationId: '381234567',
      quotedProviderMessageId: '381234567:104',
    });
  });

  it('edited message → message.edited keyed by its edit date and new text', () => {
    expect(one('14-edited')).toEqual({
      type: 'message.edited',
      providerKey: expect.stringMatching(/^tg:7012345678:381234567:1201:edit:1764770470:[0-9a-f]{16}$/),
      providerMessageId: '381234567:1201',
      inboxId: 'inbox-tg',
      occurredAt: new Date(1764770470 * 1000),
      text: 'Olá! Meu pedido não chegou (corrigido)',
      html: 'Olá! <b>Meu pedido</b> não chegou (corrigido)',
    });
  });

  it('groups only when the inbox takes them: conversation = the group, sender = the user', () => {
    expect(map('15-group')).toEqual([]);
    const e = one('15-group', { allowGroups: true });
    expect(e).toMatchObject({
      providerKey: 'tg:7012345678:-1001987654321:88',
      providerMessageId: '-1001987654321:88',
      sender: { handle: '502233445', displayName: 'Carlos', identityKeys: ['telegram:502233445'] },
      threading: { conversationId: '-1001987654321', subject: 'Loja Example — Clientes VIP' },
    });
  });

  it('service messages, channel posts and callback queries make no events', () => {
    expect(map('16-service-new-member', { allowGroups: true })).toEqual([]);
    expect(map('17-channel-post', { allowGroups: true })).toEqual([]);
    expect(map('18-callback-query')).toEqual([]);
  });

  it('messages of one second keep Telegram order through the message id', () => {
    const ids = [1997, 1998, 1999, 2000, 2001];
    const at = ids.map((id) => occurredAtOf(1764770400, id).getTime());
    expect(at.slice(0, 3)).toEqual([...at.slice(0, 3)].sort((a, b) => a - b));
    expect(at.slice(3)).toEqual([...at.slice(3)].sort((a, b) => a - b));
    for (const t of at) expect(Math.floor(t / 1000)).toBe(1764770400);
  });

  it('phone numbers become E.164', () => {
    expect(e164Of('5511987654321')).toBe('+5511987654321');
    expect(e164Of('+34 612 345 678')).toBe('+34612345678');
    expect(e164Of('12')).toBeUndefined();
  });
});
