import { describe, expect, it } from 'vitest';
import { canonicalPhone, phoneFromWhatsAppId, phoneIdentityKey } from '../../../src/core/contacts/phone-identity.js';
import { identityKeysFor } from '../../../src/core/contacts/identity-key.js';

describe('phone identity (one person, one key, on every channel)', () => {
  it.each([
    ['+55 11 98765-4321', '+5511987654321', 'mobile, 9 digits'],
    ['+55 11 8765-4321', '+5511987654321', 'mobile, old 8-digit form gets its ninth digit'],
    ['+551187654321', '+5511987654321', 'same, unformatted'],
    ['whatsapp:+552199876543', '+5521999876543', 'Rio, 8-digit mobile'],
    ['+55 11 3456-7890', '+551134567890', 'landline (starts 2–5): unchanged'],
    ['+1 415 555 2671', '+14155552671', 'other countries unchanged'],
    ['tel:+351912345678', '+351912345678', 'Portugal unchanged'],
  ])('%s → %s (%s)', (raw, expected) => {
    expect(canonicalPhone(raw)).toBe(expected);
  });

  it('not a phone number → no key', () => {
    expect(phoneIdentityKey('hello')).toBeUndefined();
  });

  it('WhatsApp ids: users → E.164 (ninth digit too); groups and @lid → none', () => {
    expect(phoneFromWhatsAppId('5511987654321@c.us')).toBe('+5511987654321');
    expect(phoneFromWhatsAppId('551187654321@c.us')).toBe('+5511987654321');
    expect(phoneFromWhatsAppId('5511987654321@s.whatsapp.net')).toBe('+5511987654321');
    expect(phoneFromWhatsAppId('120363025246125888@g.us')).toBeUndefined();
    expect(phoneFromWhatsAppId('140735932715234@lid')).toBeUndefined();
  });

  it('SMS senders with and without the ninth digit get the same identity key', () => {
    expect(identityKeysFor('sms', { handle: '+551187654321' })).toEqual(['phone:+5511987654321']);
    expect(identityKeysFor('sms', { handle: '+5511987654321' })).toEqual(['phone:+5511987654321']);
  });
});
