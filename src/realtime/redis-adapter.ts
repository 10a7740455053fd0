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

export async function connectRedisAdapter(url: string, logger: Logger): Promise<RedisAdapter> {
  const log = logger.child({ module: 'redis' });
  const client = createClient({ url });
  // Without a listener an 'error' (Redis restarting) would crash the process; the client reconnects by itself.
  client.on('error', (err: unknown) => log.warn({ err }, 'redis connection error (reconnecting)'));
  await client.connect();
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
