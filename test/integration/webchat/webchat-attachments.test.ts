import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { createUser } from '../../support/test-core.js';
import { startApp, type RunningApp } from '../../e2e/support/start-app.js';

/**
 * A visitor's files (`POST /chat/api/attachments`), against the whole app on FerretDB: through the normal
 * ingest path into the ticket thread, under the limits and file-name rule every channel shares, typed by
 * their bytes, served inert, deduplicated on retry, readable only by their own visitor and the agents.
 */
const MAX_FILE = 100_000;
const MAX_MESSAGE = 150_000;
let app: RunningApp;
let agentCookie: string;

const PNG = Buffer.concat([
  Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex'),
  Buffer.from('0000000d4944415478da63f8ffff3f0005fe02fea7d6a4f40000000049454e44ae426082', 'hex'),
]);

async function visitor() {
  const res = await fetch(`${app.url}/chat/api/session`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  return {
    cookie,
    id: decodeURIComponent(cookie.split('=')[1]!).split('.')[0]!,
  };
}

interface Part {
  name: string;
  bytes: Buffer | string;
  type?: string;
}

function form(files: Part[], fields: Record<string, string> = {}): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  for (const p of files)
    f.append(
      'file',
      new Blob([typeof p.bytes === 'string' ? Buffer.from(p.bytes) : p.bytes], {
        type: p.type ?? 'application/octet-stream',
      }),
      p.name,
    );
  return f;
}

const upload = (cookie: string, body: FormData | string, headers: Record<string, string> = { 'x-ponte-chat': 'upload' }) =>
  fetch(`${app.url}/chat/api/attachments`, {
    method: 'POST',
    headers: { cookie, ...headers },
    body,
  });

async function uploaded(cookie: string, files: Part[], fields: Record<string, string> = {}) {
  const clientMessageId = fields.clientMessageId ?? randomUUID();
  const res = await upload(cookie, form(files, { clientMessageId, ...fields }));
  expect(res.status).toBe(202);
  await app.core.ingest.drain();
  const message = await modelsOf(app.core)
    .Message.findOne({ providerMessageId: `webchat-in:${clientMessageId}` })
    .lean();
  expect(message).not.toBeNull();
  return message!;
}

const codeOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;
const messageCount = () => modelsOf(app.core).Message.countDocuments({ channel: 'webchat' });
const blobCount = () => modelsOf(app.core).Message.db.collection('blobs.files').countDocuments();

beforeAll(async () => {
  app = await startApp({
    MAX_ATTACHMENT_BYTES: String(MAX_FILE),
    MAX_MESSAGE_ATTACHMENTS_BYTES: String(MAX_MESSAGE),
    WEBCHAT_NEW_PER_ADDRESS: '1000',
    WEBCHAT_NEW_PER_MINUTE: '1000',
  });
  const admin = await createUser(app.core, 'admin');
  const login = await fetch(`${app.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: app.url },
    body: JSON.stringify({ email: admin.email, password: admin.password }),
  });
  expect(login.status).toBe(200);
  agentCookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
});

afterAll(async () => {
  await app?.stop();
});

describe('web chat: a visitor uploading files', () => {
  it('a file with a caption lands in the ticket thread through the ingest path; the agent and the visitor can open it', async () => {
    const v = await visitor();
    const text = 'Here is the screenshot of the error';
    const m = await uploaded(v.cookie, [{ name: 'error.png', bytes: PNG, type: 'image/png' }], { text, name: 'Paula' });
    expect(m).toMatchObject({
      direction: 'inbound',
      kind: 'message',
      text,
      conversationId: v.id,
    });
    expect(m.attachments).toEqual([
      expect.objectContaining({
        fileName: 'error.png',
        mimeType: 'image/png',
        size: PNG.length,
      }),
    ]);
    const ticket = (await modelsOf(app.core).Ticket.findById(m.ticketId).lean())!;
    expect(ticket).toMatchObject({
      channel: 'webchat',
      subject: 'Web chat with Paula',
    });

    // The agent: in the thread over the API, and the bytes by blob id.
    const thread = await fetch(`${app.url}/api/tickets/${String(ticket._id)}/messages`, { headers: { cookie: agentCookie } });
    const items = (
      (await thread.json()) as {
        items: Array<{
          text: string;
          attachments: Array<{ blobId: string; fileName: string }>;
        }>;
      }
    ).items;
    const shown = items.find((i) => i.text === text)!;
    expect(shown.attachments).toEqual([expect.objectContaining({ fileName: 'error.png' })]);
    const agentGet = await fetch(`${app.url}/api/attachments/${shown.attachments[0]!.blobId}`, { headers: { cookie: agentCookie } });
    expect(agentGet.status).toBe(200);
    expect(Buffer.from(await agentGet.arrayBuffer()).equals(PNG)).toBe(true);

    // The visitor: in their history, and the bytes by message and index (an image may show inline).
    const session = await fetch(`${app.url}/chat/api/session`, {
      headers: { cookie: v.cookie },
    });
    const history = (await session.json()) as {
      messages: Array<{
        id: string;
        attachments: Array<{ index: number; fileName: string; size: number }>;
      }>;
    };
    expect(history.messages.find((x) => x.id === String(m._id))!.attachments).toEqual([
      {
        index: 0,
        fileName: 'error.png',
        mimeType: 'image/png',
        size: PNG.length,
      },
    ]);
    const own = await fetch(`${app.url}/chat/api/attachments/${String(m._id)}/0`, { headers: { cookie: v.cookie } });
    expect(own.status).toBe(200);
    expect(own.headers.get('content-type')).toBe('image/png');
    expect(own.headers.get('content-disposition')).toMatch(/^inline; filename="error.png"/);
    expect(Buffer.from(await own.arrayBuffer()).equals(PNG)).toBe(true);
  });

  it('a file without text is a message of its own; several files keep distinct names', async () => {
    const v = await visitor();
    const m = await uploaded(v.cookie, [
      { name: 'notes.txt', bytes: 'first' },
      { name: 'notes.txt', bytes: 'second' },
    ]);
    expect(m.text).toBe('');
    expect(m.attachments.map((a) => [a.fileName, a.mimeType, a.size])).toEqual([
      ['notes.txt', 'text/plain', 5],
      ['notes (2).txt', 'text/plain', 6],
    ]);
    const ticket = (await modelsOf(app.core).Ticket.findById(m.ticketId).lean())!;
    expect(ticket.lastMessagePreview ?? '').toContain('notes.txt');
  });

  it('two files with the same very long name: distinct names (this upload hung the whole hub)', async () => {
    const v = await visitor();
    const long = `${'z'.repeat(400)}.txt`;
    const m = await uploaded(v.cookie, [
      { name: long, bytes: 'first' },
      { name: long, bytes: 'second' },
    ]);
    expect(m.attachments.map((a) => a.fileName)).toEqual([`${'z'.repeat(251)}.txt`, `${'z'.repeat(247)} (2).txt`]);
  });

  it('another visitor, no cookie, a forged message id or index: 404', async () => {
    const owner = await visitor();
    const m = await uploaded(owner.cookie, [{ name: 'private.txt', bytes: 'my address is …' }]);
    const other = await visitor();
    const at = (cookie: string, id = String(m._id), index = 0) =>
      fetch(`${app.url}/chat/api/attachments/${id}/${index}`, {
        headers: { cookie },
      });
    expect((await at(owner.cookie)).status).toBe(200);
    expect((await at(other.cookie)).status).toBe(404);
    expect((await at('')).status).toBe(404);
    expect((await at(owner.cookie, String(new Types.ObjectId()))).status).toBe(404);
    expect((await at(owner.cookie, String(m._id), 1)).status).toBe(404);
    // A forged cookie (the real id with another's MAC) is no visitor at all.
    const forged = `ponte_visitor=${encodeURIComponent(`${owner.id}.${other.cookie.split('.')[1]}`)}`;
    expect((await at(forged)).status).toBe(404);
  });

  it('hostile names are made safe; the type comes from the bytes; HTML and SVG are never served inline', async () => {
    const v = await visitor();
    const html = '<!doctype html><html><body><script>alert(document.cookie)</script></body></html>';
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>';
    const m = await uploaded(v.cookie, [
      {
        name: '../../etc/passwd',
        bytes: 'root:x:0:0:root:/root:/bin/bash\n',
        type: 'text/plain',
      },
      { name: '<script>.html', bytes: html, type: 'text/html' },
      // Declared as an image and named like one: the bytes are SVG markup.
      { name: 'cat.png', bytes: svg, type: 'image/png' },
      {
        name: '..\\..\\windows\\evil.exe',
        bytes: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(64)]),
        type: 'image/jpeg',
      },
    ]);
    expect(m.attachments.map((a) => [a.fileName, a.mimeType])).toEqual([
      ['passwd', 'text/plain'],
      ['_script_.html', 'text/html'],
      ['cat.png', 'image/svg+xml'],
      ['evil.exe', 'application/vnd.microsoft.portable-executable'],
    ]);
    const blobIds = m.attachments.map((a) => a.blobId);
    for (const [index] of m.attachments.entries()) {
      for (const res of [
        await fetch(`${app.url}/chat/api/attachments/${String(m._id)}/${index}`, { headers: { cookie: v.cookie } }),
        await fetch(`${app.url}/api/attachments/${blobIds[index]}`, {
          headers: { cookie: agentCookie },
        }),
      ]) {
        expect(res.status).toBe(200);
        expect(res.headers.get('content-disposition')).toMatch(/^attachment; /);
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('content-security-policy')).toContain('sandbox');
        expect(res.headers.get('content-type')).toBe(m.attachments[index]!.mimeType);
        await res.arrayBuffer();
      }
    }
  });

  it('a retried upload with the same client message id stores one message and one copy of the file', async () => {
    const v = await visitor();
    const clientMessageId = randomUUID();
    const blobsBefore = await blobCount();
    const body = () =>
      form([{ name: 'invoice.pdf', bytes: '%PDF-1.4\n%fake\n' }], {
        clientMessageId,
        text: 'the invoice',
      });
    const [a, b] = await Promise.all([upload(v.cookie, body()), upload(v.cookie, body())]);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(((await Promise.all([a.json(), b.json()])) as Array<{ status: string }>).map((r) => r.status).sort()).toEqual(['accepted', 'duplicate']);
    const again = await upload(v.cookie, body());
    expect(((await again.json()) as { status: string }).status).toBe('duplicate');
    await app.core.ingest.drain();
    const stored = await modelsOf(app.core)
      .Message.find({ providerMessageId: `webchat-in:${clientMessageId}` })
      .lean();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.attachments).toEqual([
      expect.objectContaining({
        fileName: 'invoice.pdf',
        mimeType: 'application/pdf',
      }),
    ]);
    expect(await blobCount()).toBe(blobsBefore + 1);
  });

  it('too large → 413, too many / empty / none / a stray part → 400, and nothing is stored', async () => {
    const v = await visitor();
    await uploaded(v.cookie, [{ name: 'first.txt', bytes: 'the conversation exists' }]);
    const before = { messages: await messageCount(), blobs: await blobCount() };
    const send = (files: Part[], fields: Record<string, string> = {}) => upload(v.cookie, form(files, { clientMessageId: randomUUID(), ...fields }));

    const big = await send([{ name: 'big.bin', bytes: Buffer.alloc(MAX_FILE + 1, 1) }]);
    expect(big.status).toBe(413);
    // The limits come with the refusal: the widget words it with them.
    expect(((await big.json()) as { error: { code: string; details: unknown } }).error).toMatchObject({
      code: 'ATTACHMENT_TOO_LARGE',
      details: { maxAttachmentBytes: MAX_FILE, maxMessageAttachmentsBytes: MAX_MESSAGE },
    });
    const together = await send([
      { name: 'a.bin', bytes: Buffer.alloc(80_000, 1) },
      { name: 'b.bin', bytes: Buffer.alloc(80_000, 2) },
    ]);
    expect(together.status).toBe(413);
    // Far beyond the limit: refused from the declared length, before the body is read.
    const huge = await send([{ name: 'huge.bin', bytes: Buffer.alloc(2 * MAX_MESSAGE, 1) }]);
    expect(huge.status).toBe(413);
    expect(await codeOf(huge)).toBe('ATTACHMENT_TOO_LARGE');
    // Chunked, no length declared: refused while it streams, once past the limit.
    const boundary = 'ponte-test-boundary';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="clientMessageId"\r\n\r\n${randomUUID()}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="stream.bin"\r\n\r\n`;
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(Buffer.from(head));
        if (sent > 4 * MAX_MESSAGE) return controller.close();
        sent += 16_384;
        controller.enqueue(Buffer.alloc(16_384, 7));
      },
    });
    const streamed = await fetch(`${app.url}/chat/api/attachments`, {
      method: 'POST',
      headers: {
        cookie: v.cookie,
        'x-ponte-chat': 'upload',
        'content-type': `multipart/form-data; boundary=${boundary}`,
      },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await codeOf(streamed)).toBe('ATTACHMENT_TOO_LARGE');

    const many = await send(
      Array.from({ length: 101 }, (_, i) => ({
        name: `f${i}.txt`,
        bytes: 'x',
      })),
    );
    expect(many.status).toBe(400);
    expect(await codeOf(many)).toBe('VALIDATION_FAILED');
    expect((await send([{ name: 'empty.txt', bytes: '' }])).status).toBe(400);
    expect((await send([], { text: 'no file' })).status).toBe(400);
    const stray = form([{ name: 'a.txt', bytes: 'a' }], {
      clientMessageId: randomUUID(),
    });
    stray.append('avatar', new Blob(['x']), 'x.txt');
    expect((await upload(v.cookie, stray)).status).toBe(400);
    expect(
      (
        await send([{ name: 'a.txt', bytes: 'a' }], {
          clientMessageId: 'not-a-uuid',
        })
      ).status,
    ).toBe(400);

    await app.core.ingest.drain();
    expect({
      messages: await messageCount(),
      blobs: await blobCount(),
    }).toEqual(before);
  });

  it('without the upload header (a cross-site form), a cookie, or as another body type: refused', async () => {
    const v = await visitor();
    const body = () => form([{ name: 'a.txt', bytes: 'a' }], { clientMessageId: randomUUID() });
    expect((await upload(v.cookie, body(), {})).status).toBe(403);
    expect((await upload('', body())).status).toBe(401);
    expect(
      (
        await upload(v.cookie, 'text=x', {
          'x-ponte-chat': 'upload',
          'content-type': 'application/x-www-form-urlencoded',
        })
      ).status,
    ).toBe(415);
  });

  it('at most 4 uploads are in flight per process: a fifth is told to retry (429), the four then complete', async () => {
    const v = await visitor();
    const boundary = 'ponte-slow-boundary';
    const slow = Array.from({ length: 4 }, (_, i) => {
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      let step = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (step++ === 0) {
            controller.enqueue(
              Buffer.from(
                `--${boundary}\r\nContent-Disposition: form-data; name="clientMessageId"\r\n\r\n${randomUUID()}\r\n` +
                  `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow-${i}.txt"\r\n\r\nslow upload ${i}`,
              ),
            );
            return;
          }
          await released;
          controller.enqueue(Buffer.from(`\r\n--${boundary}--\r\n`));
          controller.close();
        },
      });
      const response = fetch(`${app.url}/chat/api/attachments`, {
        method: 'POST',
        headers: { cookie: v.cookie, 'x-ponte-chat': 'upload', 'content-type': `multipart/form-data; boundary=${boundary}` },
        body,
        duplex: 'half',
      } as RequestInit);
      return { release, response };
    });
    // Once the four are being read, the next — from anyone, each visitor far below their own limit — is refused unread.
    let fifth: Response | undefined;
    for (let i = 0; i < 50 && fifth?.status !== 429; i++) {
      await new Promise((r) => setTimeout(r, 50));
      fifth = await upload((await visitor()).cookie, form([{ name: 'quick.txt', bytes: 'quick' }], { clientMessageId: randomUUID() }));
    }
    expect(fifth!.status).toBe(429);
    expect(Number(fifth!.headers.get('retry-after'))).toBeGreaterThan(0);
    for (const s of slow) s.release();
    expect((await Promise.all(slow.map((s) => s.response))).map((r) => r.status)).toEqual([202, 202, 202, 202]);
    expect((await upload(v.cookie, form([{ name: 'after.txt', bytes: 'after' }], { clientMessageId: randomUUID() }))).status).toBe(202);
  });

  it('uploads count against the visitor message rate limit: 429 with Retry-After', async () => {
    const v = await visitor();
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 21; i++) {
      const res = await upload(
        v.cookie,
        form([{ name: `n${i}.txt`, bytes: `note ${i}` }], {
          clientMessageId: randomUUID(),
        }),
      );
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
      await res.arrayBuffer();
    }
    expect(statuses.slice(0, 20).every((s) => s === 202)).toBe(true);
    expect(statuses[20]).toBe(429);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    // Another visitor is not affected.
    const other = await visitor();
    expect(
      (
        await upload(
          other.cookie,
          form([{ name: 'x.txt', bytes: 'x' }], {
            clientMessageId: randomUUID(),
          }),
        )
      ).status,
    ).toBe(202);
  });

  it('downloads are limited per visitor: 60 a minute, then 429 with Retry-After; another visitor is not affected', async () => {
    const v = await visitor();
    const m = await uploaded(v.cookie, [{ name: 'big.txt', bytes: 'x'.repeat(50_000) }]);
    const download = (cookie: string, id = String(m._id)) => fetch(`${app.url}/chat/api/attachments/${id}/0`, { headers: { cookie } });
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 61; i++) {
      const res = await download(v.cookie);
      statuses.push(res.status);
      if (res.status === 429) refused = res;
      else await res.arrayBuffer();
    }
    expect(statuses.slice(0, 60).every((s) => s === 200)).toBe(true);
    expect(statuses[60]).toBe(429);
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await codeOf(refused!)).toBe('RATE_LIMITED');
    // Another visitor (its own file) is not affected.
    const other = await visitor();
    const mine = await uploaded(other.cookie, [{ name: 'o.txt', bytes: 'other' }]);
    expect((await download(other.cookie, String(mine._id))).status).toBe(200);
  });
});
