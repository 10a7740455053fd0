import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchEmbeddedCapacity } from '../../src/core/db/embedded-capacity.js';
import { createLogger } from '../../src/core/logging/logger.js';
import { createWebApp } from '../../src/web/create-web-app.js';
import { startTestCore, type TestCore } from '../support/test-core.js';

/** Past what the embedded database serves well, the log and /api/health say so with the way out. */
let t: TestCore;
let server: Server | undefined;
beforeAll(async () => {
  t = await startTestCore();
  await t.db.connection.db!.collection('tickets').insertMany([{ subject: 'a' }, { subject: 'b' }, { subject: 'c' }]);
});
afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await t?.stop();
});

describe('embedded database capacity', () => {
  it('warns once in the log and reports it in /api/health, with npm run migrate as the way out', async () => {
    const stream = new PassThrough();
    let log = '';
    stream.on('data', (d: Buffer) => (log += d.toString()));
    const logger = createLogger('info', { pretty: false, destination: stream });

    const under = await watchEmbeddedCapacity(t.db.connection, 'ferretdb', logger, 3);
    expect(under.current()).toBeUndefined();
    under.stop();
    const over = await watchEmbeddedCapacity(t.db.connection, 'ferretdb', logger, 2);
    over.stop();
    expect(over.current()).toMatchObject({ tickets: 3, limit: 2 });
    expect(over.current()!.message).toContain('npm run migrate -- --to mongodb://');
    const warnings = log.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(warnings.filter((w) => w.level === 40 && w.msg.includes('npm run migrate'))).toHaveLength(1);
    // MongoDB serves by index: no advice there whatever the count.
    expect((await watchEmbeddedCapacity(t.db.connection, 'mongodb', logger, 2)).current()).toBeUndefined();

    const app = createWebApp({ core: t.core, logger: createLogger('silent'), databaseKind: 'ferretdb', capacity: over.current });
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const health = (await (await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/health`)).json()) as Record<string, any>;
    expect(health.database).toBe('ferretdb');
    expect(health.capacity).toMatchObject({ tickets: 3, limit: 2 });
    expect(health.capacity.message).toContain('npm run migrate');
  });
});
