/** Time as the automation sees it: injected so tests can move it (a solved ticket "5 days later"). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
