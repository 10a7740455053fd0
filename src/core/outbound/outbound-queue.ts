/**
 * Where an attempt must run: the hub process holding the channel's session (`holder`, a SessionLeases
 * holder id). Should that process be gone, any process runs the attempt from `fallbackAt`.
 */
export interface HolderRoute {
  holder: string;
  fallbackAt: Date;
}

/**
 * Port to the job system: deliver attempt `attempt` of a message at `at`
 * (default now). Idempotent per (message, attempt); a `recovery` tag forces a
 * new job next to a possibly stuck one.
 */
export interface OutboundQueue {
  enqueue(messageId: string, attempt: number, at?: Date, recovery?: string, route?: HolderRoute): Promise<void>;
}

/** Exponential backoff with jitter, capped. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (Math.random() * exp) / 2);
}
