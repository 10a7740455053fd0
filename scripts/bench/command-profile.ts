import type { Connection } from 'mongoose';

/** Database time per command shape (collection, command, filter keys): where the ingest path spends its round trips. */
export function profileCommands(connection: Connection) {
  const client = connection.getClient();
  const started = new Map<number, string>();
  const shapes = new Map<string, { n: number; ms: number }>();
  let on = true;
  const shapeOf = (c: Record<string, unknown>) => {
    const name = Object.keys(c)[0]!;
    const coll = String(c[name]);
    const filter = (c.filter ?? (c.updates as Array<{ q: unknown }> | undefined)?.[0]?.q ?? (c.deletes as Array<{ q: unknown }> | undefined)?.[0]?.q ?? c.query) as Record<string, unknown> | undefined;
    return `${coll}.${name}${filter ? ` {${Object.keys(filter).join(',')}}` : ''}`;
  };
  client.on('commandStarted', (e) => {
    if (on) started.set(e.requestId, shapeOf(e.command as Record<string, unknown>));
  });
  client.on('commandSucceeded', (e) => {
    const shape = started.get(e.requestId);
    if (!shape) return;
    started.delete(e.requestId);
    const s = shapes.get(shape) ?? { n: 0, ms: 0 };
    s.n++;
    s.ms += e.duration;
    shapes.set(shape, s);
  });
  return {
    stop: () => {
      on = false;
    },
    print: (messages: number) => {
      console.log('database commands during accept + processing (per message: count, ms):');
      for (const [shape, s] of [...shapes].sort((a, b) => b[1].ms - a[1].ms)) {
        console.log(`  ${(s.n / messages).toFixed(2).padStart(6)}  ${(s.ms / messages).toFixed(2).padStart(7)} ms  ${shape}`);
      }
    },
  };
}
