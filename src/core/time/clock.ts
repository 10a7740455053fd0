/** The time automation and the SLA engine go by: injected so tests move it (a solved ticket "5 days later", a breach) instead of waiting. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
