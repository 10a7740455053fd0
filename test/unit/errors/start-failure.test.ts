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

describe('a full disk at start-up', () => {
  it('ENOSPC from a write through an open file (no path in the error): one line naming DATA_DIR', () => {
    // What fs.promises' FileHandle.writeFile throws on a full disk: code and syscall, no path.
    const err = Object.assign(new Error('ENOSPC: no space left on device, write'), { errno: -28, code: 'ENOSPC', syscall: 'write' });
    expect(describeStartFailure(err, { port: 3000, host: '127.0.0.1', dataDir: '/srv/ponte' })).toBe(
      'Cannot use DATA_DIR /srv/ponte: no space left on the device (write). Free some space there, or set DATA_DIR to a folder on another disk.',
    );
  });
});

describe('the embedded database on a full disk at start-up', () => {
  it('FerretDB relaying SQLite’s "database or disk is full": one line naming DATA_DIR, not the Go call chain and a stack', () => {
    // As seen on a full tmpfs: the MongoServerError FerretDB returns for a write during start-up.
    const err = Object.assign(new Error('[msg_findandmodify.go:196 handler.(*Handler).findAndModifyDocument] [db.go:193 fsql.(*DB).InTransaction] database or disk is full (13)'), { name: 'MongoServerError', code: 1, codeName: 'InternalError' });
    expect(describeStartFailure(err, { port: 3000, host: '127.0.0.1', dataDir: '/srv/ponte' })).toBe(
      'The database under DATA_DIR /srv/ponte could not write: no space left on the device (SQLite: "database or disk is full"). Free some space there, or move DATA_DIR to another disk.',
    );
  });
});
