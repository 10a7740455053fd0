import { describe, expect, it } from 'vitest';
import { ackStatus, mapAck, mapEdit, mapMessage, mapReaction, mapRevoke, mediaFileName, type MappedMedia } from '../../../src/channels/whatsapp/mapper.js';
import { InboundEventSchema, type MessageReceived } from '../../../src/core/domain/inbound-event.js';
import { asMessage, reactionFixture, waFixture } from './fixtures.js';

const inboxId = 'inbox-wa';

function received(name: string, media?: MappedMedia, extra: { allowGroups?: boolean; fromUs?: boolean; quotedId?: string } = {}): MessageReceived {
  const mapped = mapMessage(asMessage(waFixture(name)), { inboxId, allowGroups: extra.allowGroups ?? false, ...extra, ...(media ? { media } : {}) });
  if ('ignored' in mapped) throw new Error(`ignored: ${mapped.ignored}`);
  const event = InboundEventSchema.parse(mapped.event);
  if (event.type !== 'message.received') throw new Error(event.type);
  return event;
}
const file = (name: string, mimeType: string): MappedMedia => ({ kind: 'file', fileName: name, mimeType, contentBase64: 'AAAA', size: 3 });

describe('WhatsApp mapper (whatsapp-web.js Message fixtures → InboundEvent)', () => {
  it('text: dedupe key wa:<id._serialized>, the chat wid as conversation, E.164 phone and wid identities', () => {
    const e = received('text');
    expect(e.providerKey).toBe('wa:false_5511987654321@c.us_3A6C1E0F7B2D4E5A9C11');
    expect(e.providerMessageId).toBe('false_5511987654321@c.us_3A6C1E0F7B2D4E5A9C11');
    expect(e.threading.conversationId).toBe('5511987654321@c.us');
    expect(e.text).toBe('Olá! Meu pedido #4471 ainda não chegou.');
    expect(e.sender).toEqual({
      handle: '+5511987654321',
      displayName: 'Ana Souza',
      phone: '+5511987654321',
      identityKeys: ['whatsapp:5511987654321@c.us', 'phone:+5511987654321'],
    });
    expect(e.occurredAt.toISOString()).toBe(new Date(1764771200 * 1000).toISOString());
  });

  it("an old 8-digit Brazilian wid gets the ninth digit in its phone identity (the wid itself is kept)", () => {
    const e = received('old-number');
    expect(e.sender.identityKeys).toEqual(['whatsapp:551187654321@c.us', 'phone:+5511987654321']);
    expect(e.threading.conversationId).toBe('551187654321@c.us');
  });

  it('a wid without a phone number (@lid) is its own identity', () => {
    expect(received('lid').sender).toMatchObject({ handle: '140735932715234@lid', identityKeys: ['whatsapp:140735932715234@lid'] });
  });

  it.each([
    ['image', 'image/png', 'image.png', 'Foto da caixa amassada'],
    ['video', 'video/mp4', 'video.mp4', 'Vídeo do defeito'],
    ['ptt', 'audio/ogg', 'voice.ogg', ''],
    ['audio', 'audio/mpeg', 'gravacao.mp3', ''],
    ['document', 'application/pdf', 'nota-fiscal-4471.pdf', ''],
    ['sticker', 'image/webp', 'sticker.webp', ''],
  ])('%s: the downloaded file as an attachment, the caption as text', (name, mime, fileName, caption) => {
    const e = received(name, file(fileName, mime));
    expect(e.attachments).toEqual([{ fileName, mimeType: mime, size: 3, contentBase64: 'AAAA' }]);
    expect(e.text).toBe(caption);
  });

  it('media too large or gone: the message is kept with a note instead of the file', () => {
    const big = received('document-too-large', { kind: 'too-large', fileName: 'backup.zip', size: 150_000_000, limit: 16 * 1_048_576 });
    expect(big.attachments).toEqual([]);
    expect(big.text).toContain('"backup.zip" not downloaded: 143.1 MB, limit 16.0 MB');
    const gone = received('ptt', { kind: 'unavailable', reason: 'WhatsApp no longer has the file' });
    expect(gone.text).toBe('[voice note not available: WhatsApp no longer has the file]');
  });

  it("a document's own name follows the shared file-name rule; nothing left of it → ours", () => {
    const msg = asMessage(waFixture('document'));
    expect(mediaFileName(msg, 'application/pdf', '../../etc/passwd')).toBe('passwd');
    expect(mediaFileName(msg, 'application/pdf', 'invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(mediaFileName(msg, 'application/pdf', '<b>.pdf')).toBe('_b_.pdf');
    expect(mediaFileName(msg, 'application/pdf', '../')).toBe(`document-${msg.id.id}.pdf`);
  });

  it('location: a readable place and a map link', () => {
    expect(received('location').text).toBe('📍 Av. Paulista, 1578, Bela Vista, São Paulo - SP\nhttps://maps.google.com/?q=-23.5613,-46.6565');
  });

  it('vCard and multi_vcard: names and numbers in the text, each card as a .vcf attachment', () => {
    const one = received('vcard');
    expect(one.text).toBe('Contact: Bruno Lima (+55 21 99876-5432)');
    expect(one.attachments.map((a) => [a.fileName, a.mimeType])).toEqual([['Bruno Lima.vcf', 'text/vcard']]);
    expect(Buffer.from(one.attachments[0]!.contentBase64!, 'base64').toString()).toContain('FN:Bruno Lima');
    const many = received('multi_vcard');
    expect(many.text.split('\n')).toEqual(['Contact: Bruno Lima (+55 21 99876-5432)', 'Contact: Carla Costa (+55 31 98765-1234)']);
    expect(many.attachments).toHaveLength(2);
  });

  it('a reply carries the quoted message id as threading hint', () => {
    const e = received('reply', undefined, { quotedId: 'false_5511987654321@c.us_3A6C1E0F7B2D4E5A9C11' });
    expect(e.threading.quotedProviderMessageId).toBe('false_5511987654321@c.us_3A6C1E0F7B2D4E5A9C11');
  });

  it('groups are ignored unless enabled; then the group is the conversation and the member the sender', () => {
    expect(mapMessage(asMessage(waFixture('group')), { inboxId, allowGroups: false })).toEqual({ ignored: 'group chat (groups are off for this inbox)' });
    const e = received('group', undefined, { allowGroups: true });
    expect(e.threading.conversationId).toBe('120363025246125888@g.us');
    expect(e.sender.handle).toBe('+5511987654321');
  });

  it('status broadcasts and system notices are ignored', () => {
    expect('ignored' in mapMessage(asMessage(waFixture('status')), { inboxId, allowGroups: true })).toBe(true);
    expect('ignored' in mapMessage(asMessage(waFixture('e2e_notification')), { inboxId, allowGroups: true })).toBe(true);
  });

  it('typed on our phone (fromMe): outbound in the customer\'s conversation, the customer as the counterpart', () => {
    const e = received('phone-typed', undefined, { fromUs: true });
    expect(e.fromUs).toBe(true);
    expect(e.threading.conversationId).toBe('5511987654321@c.us');
    expect(e.sender.handle).toBe('+5511987654321');
    expect(e.sender.displayName).toBeUndefined();
  });

  it('acks: 1 sent, 2 delivered, 3 and 4 read, -1 failed, 0 nothing; one key per message and ack', () => {
    expect([-1, 0, 1, 2, 3, 4].map(ackStatus)).toEqual(['failed', undefined, 'sent', 'delivered', 'read', 'read']);
    const m = asMessage(waFixture('phone-typed'));
    expect(mapAck(m, 2, inboxId)).toMatchObject({ type: 'message.status', status: 'delivered', providerKey: `wa:ack:${m.id._serialized}:2`, providerMessageId: m.id._serialized });
    expect(mapAck(m, 0, inboxId)).toBeUndefined();
  });

  it('revoke, reaction and edit name the original message', () => {
    const m = asMessage(waFixture('text'));
    expect(InboundEventSchema.parse(mapRevoke({ ...m, type: 'revoked', body: '' }, m, inboxId))).toMatchObject({ type: 'message.revoked', providerMessageId: m.id._serialized });
    const r = InboundEventSchema.parse(mapReaction(reactionFixture(), inboxId));
    expect(r).toMatchObject({ type: 'message.reaction', providerMessageId: m.id._serialized, by: '+5511987654321', emoji: '👍' });
    expect(r.occurredAt.toISOString()).toBe(new Date(1764771700123).toISOString());
    expect(InboundEventSchema.parse(mapEdit({ ...m, latestEditSenderTimestampMs: 1764771800000 }, 'corrigido', inboxId))).toMatchObject({
      type: 'message.edited',
      providerKey: `wa:edit:${m.id._serialized}:1764771800000`,
      text: 'corrigido',
    });
  });
});
