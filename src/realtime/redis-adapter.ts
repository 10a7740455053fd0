import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Logger } from 'pino';
import { createClient } from 'redis';

/**
 * Several hub processes: with REDIS_URL set, Socket.IO broadcasts go through Redis Streams, so an
 * event projected by one process reaches the agent sockets of every process, once. Streams (not
 * plain pub/sub) because a reconnecting process reads what it missed during a short Redis outage;
 * what this process publishes while Redis is down waits in the client's offline queue (a restart of
 * Redis is tested in hub-processes-redis.test.ts).
 */
export interface RedisAdapter {
  adapter: ReturnType<typeof createAdapter>;
  close(): Promise<void>;
}

/** The first connection is waited for this long (a Redis started at the same moment gets its chance), then the hub refuses. */
const FIRST_CONNECT_MS = 10_000;

/** Thrown when Redis cannot be reached at start: the message is for the operator. */
export class RedisUnreachableError extends Error {
  override name = 'RedisUnreachableError';
}

export async function connectRedisAdapter(url: string, logger: Logger, firstConnectMs = FIRST_CONNECT_MS): Promise<RedisAdapter> {
  const log = logger.child({ module: 'redis' });
  const client = createClient({ url });
  let lastError: Error | undefined;
  // Without a listener an 'error' (Redis restarting) would crash the process; the client reconnects by itself.
  client.on('error', (err: Error) => {
    lastError = err;
    log.warn({ err }, 'redis connection error (reconnecting)');
  });
  // The client retries for ever: at start that was a hub hanging before it listened, silent but for these
  // warnings, while its jobs already ran on the shared database.
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no connection within ${firstConnectMs / 1000} s`)), firstConnectMs);
  });
  try {
    await Promise.race([client.connect(), gaveUp]);
  } catch (err) {
    client.destroy();
    const why = lastError?.message ?? (err as Error).message;
    throw new RedisUnreachableError(
      `REDIS_URL ${redacted(url)}: cannot connect (${why}). Several hub processes share events through it: start Redis (or fix the URL), or unset REDIS_URL to run a single hub.`,
    );
  } finally {
    clearTimeout(timer);
  }
  log.info({ url: redacted(url) }, 'Socket.IO shares events, presence and viewers through Redis');
  return {
    adapter: createAdapter(client),
    async close() {
      await client.close().catch(() => undefined);
    },
  };
}

/** redis://user:password@host → redis://user:***@host for the log. */
function redacted(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis://…';
  }
}
