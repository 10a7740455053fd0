import { describe, expect, it } from 'vitest';
import { canonicalPhone, normalisePhone, phoneFromWhatsAppId, phoneIdentityKey, phoneIdentityKeys } from '../../../src/core/contacts/phone-identity.js';
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
describe('normalisePhone', () => {
  it.each([
    ['+5511987654321', undefined, '+5511987654321'],
    ['+55 11 98765-4321', undefined, '+5511987654321'],
    // Brazil's old 8-digit mobile form gains the ninth digit; a landline (first digit 2–5) does not.
    ['+551187654321', undefined, '+5511987654321'],
    ['+552166554433', undefined, '+5521966554433'],
    ['+551133334444', undefined, '+551133334444'],
    ['whatsapp:+551187654321', undefined, '+5511987654321'],
    ['tel:+1 415 555 0100', undefined, '+14155550100'],
    ['(11) 98765-4321', 'BR', '+5511987654321'],
    ['5511987654321@c.us', undefined, undefined],
    ['Anonymous', undefined, undefined],
    ['', undefined, undefined],
  ])('%s (%s) → %s', (raw, country, expected) => {
    expect(normalisePhone(raw, country)).toBe(expected);
  });

  it('one key per number: SMS, voice and WhatsApp senders of the same line meet on it', () => {
    expect(phoneIdentityKeys('+551187654321')).toEqual(['phone:+5511987654321']);
    const sms = identityKeysFor('sms', { handle: '+5511987654321' });
    const whatsapp = identityKeysFor('whatsapp', { handle: 'whatsapp:+551187654321' });
    const voice = identityKeysFor('voice', { handle: '+55 11 98765 4321' });
    expect(sms).toEqual(['phone:+5511987654321']);
    expect(whatsapp).toEqual(sms);
    expect(voice).toEqual(sms);
  });
});
