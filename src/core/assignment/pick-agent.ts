/** An agent who could take a ticket now: online, available, in the department (the caller filters those). */
export interface Candidate {
  id: string;
  skills: readonly string[];
  /** Limit in the ticket's lane. */
  capacity: number;
  /** Slots held in the ticket's lane. */
  held: number;
  /** Last automatic assignment to this agent (ms), 0 when never. */
  lastAssignedAt: number;
}

export type AutoMode = 'round_robin' | 'least_loaded';

export interface PickInput {
  mode: AutoMode;
  candidates: readonly Candidate[];
  requiredSkills: readonly string[];
  /** The agent who last served this customer. */
  stickyAgentId?: string | undefined;
}

export const hasSkills = (c: Pick<Candidate, 'skills'>, required: readonly string[]) => required.every((s) => c.skills.includes(s));

/**
 * Who gets the ticket, or undefined when nobody can take it now. Rule order:
 * only agents with every required skill and a free slot; the customer's last
 * agent when they qualify (sticky); then round robin — the agent whose last
 * assignment is oldest — or least-loaded — the lowest share of capacity in
 * use, the oldest last assignment breaking ties. Ids break remaining ties so
 * the choice is deterministic.
 */
export function pickAgent({ mode, candidates, requiredSkills, stickyAgentId }: PickInput): Candidate | undefined {
  const eligible = candidates.filter((c) => c.held < c.capacity && hasSkills(c, requiredSkills));
  if (eligible.length === 0) return undefined;
  const sticky = stickyAgentId ? eligible.find((c) => c.id === stickyAgentId) : undefined;
  if (sticky) return sticky;
  const byRotation = (a: Candidate, b: Candidate) => a.lastAssignedAt - b.lastAssignedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const byLoad = (a: Candidate, b: Candidate) => a.held / a.capacity - b.held / b.capacity || byRotation(a, b);
  return [...eligible].sort(mode === 'round_robin' ? byRotation : byLoad)[0];
}
