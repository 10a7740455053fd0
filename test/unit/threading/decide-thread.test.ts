import { describe, expect, it } from 'vitest';
import { decideThread, type CandidateTicket, type ThreadFacts } from '../../../src/core/threading/decide-thread.js';

const now = new Date('2026-11-23T12:00:00Z');
const day = 86_400_000;
const t = (id: string, status: CandidateTicket['status'], solvedDaysAgo?: number): CandidateTicket => ({
  id,
  number: Number(id.replace(/\D/g, '')) || 1,
  status,
  ...(solvedDaysAgo !== undefined ? { solvedAt: new Date(now.getTime() - solvedDaysAgo * day) } : {}),
});
const base: ThreadFacts = { now, reopenWindowMs: 7 * day };

const table: Array<[string, Partial<ThreadFacts>, { action: string; ticketId?: string; previousTicketId?: string; rule: string }]> = [
  ['nothing known → new ticket', {}, { action: 'new', rule: 'new-conversation' }],
  ['reply headers to an open ticket → same ticket', { reference: { ticket: t('T1', 'open'), via: 'in-reply-to' } }, { action: 'append', ticketId: 'T1', rule: 'reference' }],
  ['signed Message-ID wins over the conversation', { reference: { ticket: t('T1', 'pending'), via: 'signed-message-id' }, conversation: t('T2', 'open') }, { action: 'append', ticketId: 'T1', rule: 'reference' }],
  ['reference beats a subject token', { reference: { ticket: t('T1', 'open'), via: 'references' }, subjectToken: { number: 2, ticket: t('T2', 'open'), senderIsParticipant: true } }, { action: 'append', ticketId: 'T1', rule: 'reference' }],
  ['[#N] from a participant → that ticket', { subjectToken: { number: 2, ticket: t('T2', 'open'), senderIsParticipant: true } }, { action: 'append', ticketId: 'T2', rule: 'subject-token' }],
  ['[#N] from a non-participant → new ticket', { subjectToken: { number: 2, ticket: t('T2', 'open'), senderIsParticipant: false } }, { action: 'new', rule: 'new-conversation' }],
  ['[#N] from a non-participant falls through to the conversation', { subjectToken: { number: 2, ticket: t('T2', 'open'), senderIsParticipant: false }, conversation: t('T3', 'new') }, { action: 'append', ticketId: 'T3', rule: 'conversation' }],
  ['[#N] of a ticket that does not exist → new ticket', { subjectToken: { number: 99, senderIsParticipant: false } }, { action: 'new', rule: 'new-conversation' }],
  ['quoted chat message → its ticket', { quoted: t('T4', 'open'), conversation: t('T5', 'open') }, { action: 'append', ticketId: 'T4', rule: 'quoted-message' }],
  ['conversation with an active ticket → append', { conversation: t('T5', 'on-hold') }, { action: 'append', ticketId: 'T5', rule: 'conversation' }],
  ['solved 2 days ago, window 7 days → reopen', { conversation: t('T6', 'solved', 2) }, { action: 'reopen', ticketId: 'T6', rule: 'conversation' }],
  ['solved 8 days ago, window 7 days → follow-up ticket', { conversation: t('T6', 'solved', 8) }, { action: 'new', previousTicketId: 'T6', rule: 'conversation' }],
  ['solved without a solved time → follow-up ticket', { conversation: t('T6', 'solved') }, { action: 'new', previousTicketId: 'T6', rule: 'conversation' }],
  ['closed → new ticket linked to the old one', { conversation: t('T7', 'closed') }, { action: 'new', previousTicketId: 'T7', rule: 'conversation' }],
  ['reply headers to a closed ticket → follow-up', { reference: { ticket: t('T8', 'closed'), via: 'in-reply-to' } }, { action: 'new', previousTicketId: 'T8', rule: 'reference' }],
  ['reply headers to a recently solved ticket → reopen', { reference: { ticket: t('T9', 'solved', 1), via: 'in-reply-to' } }, { action: 'reopen', ticketId: 'T9', rule: 'reference' }],
];

describe('decideThread', () => {
  it.each(table)('%s', (_name, facts, expected) => {
    const decision = decideThread({ ...base, ...facts });
    expect(decision).toMatchObject(expected);
    expect(decision.detail.length).toBeGreaterThan(0);
  });

  it('explains an ignored subject token', () => {
    const d = decideThread({ ...base, subjectToken: { number: 2, ticket: t('T2', 'open'), senderIsParticipant: false } });
    expect(d.detail).toContain('not a participant');
  });

  it('a reopen window of 0 never reopens', () => {
    expect(decideThread({ ...base, reopenWindowMs: 0, conversation: t('T6', 'solved', 0.001) }).action).toBe('new');
  });
});
