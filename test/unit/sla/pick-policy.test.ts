import { describe, expect, it } from 'vitest';
import { pickPolicy, type PolicyCandidate, type TicketFacts } from '../../../src/core/sla/pick-policy.js';
import { defaultTargets } from '../../../src/core/sla/sla-targets.js';

const p = (id: string, scope: Partial<PolicyCandidate> = {}, createdAt = '2026-01-01'): PolicyCandidate => ({ id, name: id, targets: defaultTargets, createdAt: new Date(createdAt), ...scope });
const ticket: TicketFacts = { inboxId: 'I1', channel: 'whatsapp', contactTags: ['vip'], priority: 'high' };
const all = [
  p('everyone'),
  p('channel', { channel: 'whatsapp' }),
  p('inbox', { inboxId: 'I1' }),
  p('vip', { contactTag: 'vip' }),
  p('vip-channel', { contactTag: 'vip', channel: 'whatsapp' }),
  p('vip-inbox', { contactTag: 'vip', inboxId: 'I1' }),
  p('other-inbox', { inboxId: 'I2', contactTag: 'vip' }),
  p('email', { channel: 'email' }),
  p('gold', { contactTag: 'gold' }),
];

describe('which policy applies', () => {
  it.each([
    ['tag + inbox beats everything', all, 'vip-inbox'],
    ['tag + channel next', all.filter((x) => x.id !== 'vip-inbox'), 'vip-channel'],
    ['a customer group beats the inbox', all.filter((x) => !x.id.startsWith('vip-')), 'vip'],
    ['inbox beats channel', all.filter((x) => !x.id.startsWith('vip')), 'inbox'],
    ['channel beats everyone', [p('everyone'), p('channel', { channel: 'whatsapp' })], 'channel'],
    ['an unscoped policy applies to all', [p('everyone'), p('email', { channel: 'email' })], 'everyone'],
    ['none matching → the built-in table', [p('email', { channel: 'email' }), p('gold', { contactTag: 'gold' })], 'default:high'],
    ['no policies at all → the built-in table', [], 'default:high'],
    ['equal specificity: the older one, whatever the order', [p('new', { channel: 'whatsapp' }, '2026-05-01'), p('old', { channel: 'whatsapp' }, '2026-02-01')], 'old'],
  ] as const)('%s', (_name, policies, expected) => {
    expect(pickPolicy(policies as PolicyCandidate[], ticket, null).id).toBe(expected);
  });

  it('the built-in policy is today\'s table for the priority, named Default', () => {
    const out = pickPolicy([], { ...ticket, priority: 'urgent' }, null);
    expect(out).toEqual({ id: 'default:urgent', name: 'Default', targets: { firstResponseMinutes: 30, nextResponseMinutes: null, resolutionMinutes: 240 }, calendar: null });
  });
});
