import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readBoundedBody } from '../../../src/channels/webchat/bounded-body.js';
import { AppError } from '../../../src/core/errors/app-error.js';
import { toHttpError, type HttpError } from '../../../src/web/http/error-response.js';

/**
 * A visitor who gives up an upload half way is the client's doing, not a server fault: it must not become
 * an INTERNAL error (a 500 in the access log and an error-level "request failed" line with a stack per abort).
 */
let server: http.Server | undefined;
afterEach(async () => {
  await new Promise((r) => server?.close(r));
  server = undefined;
});

function serve(): Promise<{ port: number; failure: Promise<HttpError>; reading: Promise<void> }> {
  let report!: (e: HttpError) => void;
  const failure = new Promise<HttpError>((r) => (report = r));
  let started!: () => void;
  const reading = new Promise<void>((r) => (started = r));
  server = http.createServer((req, res) => {
    req.once('data', () => started());
    readBoundedBody(req, res, 10_000, () => new AppError('PAYLOAD_TOO_LARGE', 'too large')).then(
      () => res.end('ok'),
      (err: unknown) => report(toHttpError(err)),
    );
  });
  return new Promise((resolve) => server!.listen(0, '127.0.0.1', () => resolve({ port: (server!.address() as AddressInfo).port, failure, reading })));
}

describe('readBoundedBody', () => {
  it('a body the client abandons half way is a client error (400), not an internal one', async () => {
    const { port, failure, reading } = await serve();
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', headers: { 'content-length': '5000' } });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(100, 1));
    // Gone once the server has started reading the body (not before it saw the request at all).
    await reading;
    req.destroy();
    const mapped = await failure;
    expect(mapped.internal).toBe(false);
    expect(mapped.status).toBe(400);
  });
});
