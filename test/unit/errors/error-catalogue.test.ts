import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError, ChannelError, ChannelRefusedError, ConflictError, NotFoundError, RateLimitedError, ValidationError } from '../../../src/core/errors/app-error.js';
import { errorCatalogue, errorCodes } from '../../../src/core/errors/error-codes.js';
import { httpStatusOf, toHttpError } from '../../../src/web/http/error-response.js';

describe('the error catalogue and its one HTTP mapping', () => {
  it('every catalogue code has an HTTP status, and nothing else does', () => {
    expect(errorCodes.length).toBeGreaterThan(20);
    for (const code of errorCodes) expect(httpStatusOf[code], code).toBeTypeOf('number');
    expect(Object.keys(httpStatusOf).sort()).toEqual([...errorCodes].sort());
  });

  it("a caller's fault maps to a 4xx, ours to a 5xx, and every code says what it means", () => {
    for (const code of errorCodes) {
      const status = httpStatusOf[code];
      const { fault, meaning } = errorCatalogue[code];
      expect(meaning.length, code).toBeGreaterThan(10);
      if (fault === 'caller') expect(status, code).toBeGreaterThanOrEqual(400);
      if (fault === 'caller') expect(status, code).toBeLessThan(500);
      if (fault === 'server') expect(status, code).toBeGreaterThanOrEqual(500);
    }
  });

  it('keeps the JSON error body the API has always returned', () => {
    expect(toHttpError(new NotFoundError('Ticket'))).toEqual({ status: 404, body: { code: 'NOT_FOUND', message: 'Ticket not found' }, headers: {}, internal: false });
    expect(toHttpError(new ValidationError('Bad', [{ path: 'a', message: 'required' }]))).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION_FAILED', message: 'Bad', details: { issues: [{ path: 'a', message: 'required' }] } },
    });
    expect(toHttpError(new ConflictError('TICKET_MERGED', 'merged'))).toMatchObject({ status: 409, body: { code: 'TICKET_MERGED' } });
    expect(toHttpError(new RateLimitedError(7, 'CHAT_BUSY', 'busy'))).toMatchObject({ status: 429, body: { code: 'CHAT_BUSY' }, headers: { 'Retry-After': '7' } });
    expect(toHttpError(new AppError('OUTSIDE_MESSAGING_WINDOW', 'too late', { channelWindow: 'x' }))).toMatchObject({ status: 409, body: { details: { channelWindow: 'x' } } });
    // A channel's own code is shown; the status is the catalogue code's.
    expect(toHttpError(new ChannelError('SMTP_AUTH_FAILED', 'bad login', false))).toMatchObject({ status: 502, body: { code: 'SMTP_AUTH_FAILED' }, internal: false });
    expect(toHttpError(new ChannelRefusedError('AGENT_PHONE_MISSING', 'set it'))).toMatchObject({ status: 409, body: { code: 'AGENT_PHONE_MISSING' } });
    expect(toHttpError(new Error('boom'))).toMatchObject({ status: 500, body: { code: 'INTERNAL' }, internal: true });
  });

  it('no file under src/core hands an HTTP status to an error', async () => {
    const root = path.resolve(import.meta.dirname, '../../../src/core');
    const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.ts'));
    const offenders: string[] = [];
    for (const file of files) {
      const text = await readFile(path.join(root, file), 'utf8');
      // `new XxxError(... , 404)` or a `status:` field on an error class.
      if (/new \w*Error\([^;]*,\s*[1-5]\d\d\s*(,[^;]*)?\)/.test(text) || /readonly status: number/.test(text)) offenders.push(file);
    }
    expect(offenders).toEqual([]);
  });
});
