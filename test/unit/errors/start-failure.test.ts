import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { describeStartFailure } from '../../../src/core/errors/start-failure.js';

describe('start failures worded for the operator', () => {
  it('HOST that does not resolve (a typo): one line naming HOST, instead of Node’s error with its fields', async () => {
    const host = 'ponte-no-such-host.invalid'; // .invalid never resolves (RFC 6761)
    // The error listen() really gives, whatever the resolver (ENOTFOUND, or EAI_AGAIN offline).
    const err = await new Promise<Error>((resolve) => {
      const server = net.createServer();
      server.once('error', resolve);
      server.listen(0, host, () => server.close(() => resolve(new Error('listened'))));
    });
    const told = describeStartFailure(err, { port: 3000, host, dataDir: '/data' });
    expect(told).toMatch(/^HOST ponte-no-such-host\.invalid is not a name this machine can resolve \((ENOTFOUND|EAI_AGAIN)\)\. Set HOST/);
  });
});
