import { describe, expect, it } from 'vitest';
import { normalisePhone, phoneIdentityKeys } from '../../../src/core/contacts/phone-identity.js';
import { identityKeysFor } from '../../../src/core/contacts/identity-key.js';

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
