/**
 * Sentinel that sorts after every real deadline (solved, closed, paused while waiting on the customer).
 * The targets are in `sla-targets.ts` (the built-in table), which policy applies in `pick-policy.ts`, and
 * the due times themselves only in `sla-lifecycle.ts`.
 */
export const NO_SLA_DUE = new Date('9999-12-31T00:00:00.000Z');
