import { describe, expect, it } from 'vitest';
import { firstMatch, ruleMatches, type RoutingFacts, type RuleConditions } from '../../../src/core/routing/match-rule.js';
import { containsKeyword } from '../../../src/core/routing/normalize-text.js';
import { inTimeWindow } from '../../../src/core/routing/time-window.js';

const none: RuleConditions = { inboxIds: [], channels: [], keywords: [], contactTags: [] };
const facts = (over: Partial<RoutingFacts> = {}): RoutingFacts => ({
  inboxId: 'inbox-a',
  channel: 'whatsapp',
  subject: '',
  text: 'hello',
  contactTags: [],
  at: new Date('2026-12-02T15:00:00Z'),
  ...over,
});

describe('keywords: accent- and case-insensitive, whole words, PT/ES/EN', () => {
  it.each([
    ['Quero a DEVOLUCAO do produto', ['devolução'], true],
    ['quero a devolução', ['DEVOLUCAO'], true],
    ['Necesito un reembolso, por favor', ['reembolso'], true],
    ['¿Dónde está mi pedido?', ['donde esta'], true],
    ['I want a REFUND!', ['refund'], true],
    ['refunded already', ['refund'], false],
    ['pagoda', ['pago'], false],
    ['falha no pagamento', ['pago'], false],
    ['Não consigo acessar', ['nao consigo'], true],
    ['nothing here', [], false],
    ['anything', ['   '], false],
    ['Cancelación de la suscripción', ['cancelacion'], true],
  ])('%s ~ %j → %s', (text, keywords, expected) => {
    expect(containsKeyword(text, keywords)).toBe(expected);
  });
});

describe('time windows in the rule’s own time zone', () => {
  const weekdays9to18 = { timeZone: 'America/Sao_Paulo', days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00' };
  it.each([
    ['2026-12-02T12:00:00Z', weekdays9to18, true], // Wed 09:00 in São Paulo (UTC-3): start is inclusive
    ['2026-12-02T11:59:00Z', weekdays9to18, false], // 08:59
    ['2026-12-02T21:00:00Z', weekdays9to18, false], // 18:00: end is exclusive
    ['2026-12-05T15:00:00Z', weekdays9to18, false], // Saturday noon
    // Over midnight: Friday 22:00 → Saturday 06:00 belongs to Friday.
    ['2026-12-05T04:00:00Z', { timeZone: 'America/Sao_Paulo', days: [5], from: '22:00', to: '06:00' }, true], // Sat 01:00
    ['2026-12-06T04:00:00Z', { timeZone: 'America/Sao_Paulo', days: [5], from: '22:00', to: '06:00' }, false], // Sun 01:00
    // Madrid across the DST change (last Sunday of March): wall clock decides.
    ['2026-03-30T07:30:00Z', { timeZone: 'Europe/Madrid', days: [1], from: '09:00', to: '10:00' }, true], // 09:30 CEST
    ['2026-03-23T07:30:00Z', { timeZone: 'Europe/Madrid', days: [1], from: '09:00', to: '10:00' }, false], // 08:30 CET
  ] as const)('%s → %s', (at, window, expected) => {
    expect(inTimeWindow(new Date(at), { ...window, days: [...window.days] })).toBe(expected);
  });
});

describe('rule conditions', () => {
  it('an empty condition list is "any"; every condition set must hold; any value within one', () => {
    expect(ruleMatches(none, facts())).toBe(true);
    expect(ruleMatches({ ...none, channels: ['email', 'whatsapp'] }, facts())).toBe(true);
    expect(ruleMatches({ ...none, channels: ['email'] }, facts())).toBe(false);
    expect(ruleMatches({ ...none, inboxIds: ['inbox-b'] }, facts())).toBe(false);
    expect(ruleMatches({ ...none, keywords: ['fatura'] }, facts({ subject: 'Fatura de novembro' }))).toBe(true);
    expect(ruleMatches({ ...none, keywords: ['fatura'], channels: ['email'] }, facts({ text: 'fatura' }))).toBe(false);
    expect(ruleMatches({ ...none, contactTags: ['VIP'] }, facts({ contactTags: ['vip', 'b2b'] }))).toBe(true);
    expect(ruleMatches({ ...none, contactTags: ['vip'] }, facts({ contactTags: [] }))).toBe(false);
  });

  it('first enabled match wins, in order', () => {
    const rules = [
      { id: 'off', enabled: false, conditions: none },
      { id: 'email', enabled: true, conditions: { ...none, channels: ['email'] } },
      { id: 'kw', enabled: true, conditions: { ...none, keywords: ['hello'] } },
      { id: 'any', enabled: true, conditions: none },
    ];
    expect(firstMatch(rules, facts())?.id).toBe('kw');
    expect(firstMatch(rules, facts({ channel: 'email' }))?.id).toBe('email');
    expect(firstMatch(rules, facts({ text: 'bye' }))?.id).toBe('any');
    expect(firstMatch(rules.slice(0, 2), facts())).toBeUndefined();
  });
});
