import { describe, expect, it } from 'vitest';
import { readVisitorUpload } from '../../../src/channels/webchat/visitor-upload.js';
import { ValidationError } from '../../../src/core/errors/app-error.js';

const limits = { maxAttachmentBytes: 25 * 1024 * 1024, maxMessageAttachmentsBytes: 40 * 1024 * 1024 };
const boundary = 'XyZb';
const part = (name: string, body: string, file = true) =>
  `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${file ? '; filename="a.txt"' : ''}\r\nContent-Type: text/plain\r\n\r\n${body}\r\n`;
const form = (parts: string[]) => Buffer.from(`${parts.join('')}--${boundary}--\r\n`);
const type = `multipart/form-data; boundary=${boundary}`;

describe('a visitor upload with many parts', () => {
  it('tens of thousands of tiny parts are refused before the body is parsed (a 40 MB body of them held the hub for over a minute and 1 GB)', async () => {
    const body = form([part('clientMessageId', '3f1c2a9e-8a43-4a43-9a43-0123456789ab', false), ...Array.from({ length: 40_000 }, () => part('file', 'x'))]);
    const started = Date.now();
    const err = await readVisitorUpload(body, type, limits).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(/too many parts/i);
    expect(Date.now() - started).toBeLessThan(2_000); // the parser took ~10 s for these
  });

  it('a quoted boundary counts the same; an upload within the limits still reads', async () => {
    const quoted = `multipart/form-data; boundary="${boundary}"`;
    const many = form(Array.from({ length: 300 }, () => part('file', 'x')));
    await expect(readVisitorUpload(many, quoted, limits)).rejects.toThrow(/too many parts/i);
    const ok = form([part('clientMessageId', '3f1c2a9e-8a43-4a43-9a43-0123456789ab', false), part('text', 'hi', false), ...Array.from({ length: 3 }, () => part('file', 'hello'))]);
    const read = await readVisitorUpload(ok, quoted, limits);
    expect(read.attachments).toHaveLength(3);
    expect(read.fields.text).toBe('hi');
  });
});

describe('a visitor upload with huge part headers', () => {
  it('megabytes of headers on a part are refused before the body is parsed (20 MB of them held the event loop 4 s)', async () => {
    const headers = 'X-a: b\r\n'.repeat(512 * 1024); // 4 MB
    const body = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n${headers}\r\nx\r\n--${boundary}--\r\n`);
    const started = Date.now();
    await expect(readVisitorUpload(body, type, limits)).rejects.toThrow(/headers exceed/);
    expect(Date.now() - started).toBeLessThan(300);
  });
});
