import { describe, expect, it } from 'vitest';
import { pickAgent, type Candidate } from '../../../src/core/assignment/pick-agent.js';

const agent = (id: string, over: Partial<Candidate> = {}): Candidate => ({ id, skills: [], capacity: 3, held: 0, lastAssignedAt: 0, ...over });

describe('pickAgent', () => {
  it('round robin: the agent whose last assignment is oldest; ids break ties', () => {
    const cs = [agent('b', { lastAssignedAt: 5 }), agent('a', { lastAssignedAt: 5 }), agent('c', { lastAssignedAt: 9 })];
    expect(pickAgent({ mode: 'round_robin', candidates: cs, requiredSkills: [] })?.id).toBe('a');
  });

  it('least-loaded: the lowest share of capacity in use, not the lowest count', () => {
    const cs = [agent('a', { capacity: 2, held: 1 }), agent('b', { capacity: 10, held: 3 }), agent('c', { capacity: 3, held: 2 })];
    expect(pickAgent({ mode: 'least_loaded', candidates: cs, requiredSkills: [] })?.id).toBe('b');
  });

  it('never an agent without every required skill or without a free slot', () => {
    const cs = [agent('a', { skills: ['billing'], held: 3 }), agent('b', { skills: ['pt'] }), agent('c', { skills: ['billing', 'pt'], lastAssignedAt: 99 })];
    expect(pickAgent({ mode: 'round_robin', candidates: cs, requiredSkills: ['billing', 'pt'] })?.id).toBe('c');
    expect(pickAgent({ mode: 'round_robin', candidates: cs.slice(0, 2), requiredSkills: ['billing'] })).toBeUndefined();
    expect(pickAgent({ mode: 'least_loaded', candidates: [agent('z', { capacity: 0 })], requiredSkills: [] })).toBeUndefined();
  });

  it('sticky: the customer’s last agent when they qualify, else the normal choice', () => {
    const cs = [agent('a'), agent('b', { lastAssignedAt: 50, held: 2 })];
    expect(pickAgent({ mode: 'round_robin', candidates: cs, requiredSkills: [], stickyAgentId: 'b' })?.id).toBe('b');
    const full = [agent('a'), agent('b', { held: 3 })];
    expect(pickAgent({ mode: 'round_robin', candidates: full, requiredSkills: [], stickyAgentId: 'b' })?.id).toBe('a');
  });
});
