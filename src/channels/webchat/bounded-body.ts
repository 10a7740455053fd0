import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError } from '../../core/errors/app-error.js';

/** The client stopped sending (gave up, lost its connection): its doing, so a 400 — not an INTERNAL error logged with a stack per abort. */
const interrupted = () => new AppError('BAD_REQUEST', 'The request body ended before it was complete');
/**
 * Reads a request body of at most `maxBytes`, counting while it streams: a declared `Content-Length` above
 * it is refused before a byte is read, a body that grows past it as soon as it does (`tooLarge()`, a 413).
 * After a refusal the rest is read and dropped — up to `maxBytes` more, so a client that sent a little too
 * much still reads its 413 — and the connection is closed after the answer; beyond that the socket is cut.
 * Nothing beyond `maxBytes` is ever held in memory.
 */
export function readBoundedBody(req: IncomingMessage, res: ServerResponse, maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
  const refuse = (): void => {
    res.setHeader('Connection', 'close');
    let dropped = 0;
    req.removeAllListeners('data');
    req.on('data', (chunk: Buffer) => {
      dropped += chunk.length;
      if (dropped > maxBytes) req.destroy();
    });
    req.resume();
  };
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    refuse();
    return Promise.reject(tooLarge());
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: unknown, body?: Buffer) => {
      if (done) return;
      done = true;
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (err) reject(err);
      else resolve(body!);
    };
    const onEnd = () => finish(undefined, Buffer.concat(chunks, size));
    const onError = () => finish(interrupted());
    // The client went away before the end: nobody is left to answer.
    const onClose = () => finish(interrupted());
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) {
        chunks.length = 0;
        refuse();
        finish(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
