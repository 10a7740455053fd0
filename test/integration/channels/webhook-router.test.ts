import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MapRegistry } from '../../support/fake-channel.js';
import { createInbox } from '../../support/test-core.js';
import { signTestBody, TestChannelAdapter, testChannelWebhook } from '../../support/signed-test-channel.js';
import { eventually, startWebHarness, type WebHarness } from '../web/web-harness.js';
import { modelsOf } from '../../../src/core/models/models-of.js';

let h: WebHarness;
let inboxId: string;
let secret: string;
const registry = new MapRegistry();
/** Set to make the next response fail after the events were stored (a crash between store and answer). */
let crashNextResponse = false;
const crashingWebhook: typeof testChannelWebhook = {
  ...testChannelWebhook,
  respond(result, req) {
    if (crashNextResponse) {
      crashNextResponse = false;
      throw new Error('simulated crash after storing');
    }
    return testChannelWebhook.respond(result, req);
  },
};
const adapter = new TestChannelAdapter(new Map([['file-1', Buffer.from('%PDF-1.4 test')]]));

beforeAll(async () => {
  // The test channel is served as kind `sms`: the router needs a kind; the inbox must match it.
  h = await startWebHarness({ WEBHOOK_MAX_BYTES: String(1024 * 1024) }, { webhooks: { sms: crashingWebhook }, channels: registry });
  const inbox = await createInbox(h.t.core, 'sms');
  inboxId = String(inbox._id);
  registry.adapters.set(inboxId, adapter);
  secret = (await h.t.core.inboxes.webhookTarget(inboxId)).settings.webhookSecret as string;
});
afterAll(() => h?.stop());

const url = (id = inboxId) => `${h.baseUrl}/webhooks/sms/${id}`;
let seq = 0;
const payload = (text = 'hello', extra: Record<string, unknown> = {}) => ({
  messages: [{ id: `m${++seq}-${Date.now()}`, from: `cust-${seq}`, text, at: Date.now(), ...extra }],
});
const post = (body: string, headers: Record<string, string> = {}, id = inboxId) =>
  fetch(url(id), { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
const signed = (body: string, id = inboxId) => post(body, { 'x-test-signature': signTestBody(secret, body) }, id);
const storedCount = (providerKey: string) => modelsOf(h.t.core).InboundEvent.countDocuments({ _id: providerKey });
const messagesWith = (providerKey: string) => modelsOf(h.t.core).Message.countDocuments({ providerKey });

describe('the shared webhook router', () => {
  it('stores a signed delivery, answers with the channel response after storing, and processes it into a ticket', async () => {
    const body = JSON.stringify(payload('first contact'));
    const res = await signed(body);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 0 });
    const key = `test:${inboxId}:${JSON.parse(body).messages[0].id}`;
    expect(await storedCount(key)).toBe(1);
    await eventually(async () => ((await messagesWith(key)) === 1 ? true : undefined));
  });

  it('a bad or missing signature is 403 and stores nothing', async () => {
    const body = JSON.stringify(payload('forged'));
    const key = `test:${inboxId}:${JSON.parse(body).messages[0].id}`;
    expect((await post(body)).status).toBe(403);
    expect((await post(body, { 'x-test-signature': signTestBody('wrong-secret', body) })).status).toBe(403);
    // Signed for other bytes: the signature covers the raw body, not its meaning.
    expect((await post(body.replace('forged', 'forgeD'), { 'x-test-signature': signTestBody(secret, body) })).status).toBe(403);
    expect(await storedCount(key)).toBe(0);
  });

  it('the same delivery three times at once is stored once and becomes one message', async () => {
    const body = JSON.stringify(payload('retry storm'));
    const key = `test:${inboxId}:${JSON.parse(body).messages[0].id}`;
    const answers = await Promise.all([signed(body), signed(body), signed(body)]);
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    const results = await Promise.all(answers.map((r) => r.json() as Promise<{ accepted: number; duplicates: number }>));
    expect(results.reduce((n, r) => n + r.accepted, 0)).toBe(1);
    expect(results.reduce((n, r) => n + r.duplicates, 0)).toBe(2);
    await eventually(async () => ((await messagesWith(key)) === 1 ? true : undefined));
    // A fourth delivery after processing is still a duplicate, and still one message.
    expect(await (await signed(body)).json()).toEqual({ accepted: 0, duplicates: 1 });
    expect(await messagesWith(key)).toBe(1);
  });

  it('a hub that fails between storing and answering: the platform retries, the retry is a duplicate, one message', async () => {
    const body = JSON.stringify(payload('answer lost'));
    const key = `test:${inboxId}:${JSON.parse(body).messages[0].id}`;
    crashNextResponse = true;
    const first = await signed(body);
    expect(first.status).toBeGreaterThanOrEqual(500);
    expect(await storedCount(key)).toBe(1);
    const retry = await signed(body);
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual({ accepted: 0, duplicates: 1 });
    await eventually(async () => ((await messagesWith(key)) === 1 ? true : undefined));
  });

  it('a 2 MB body is 413 and stores nothing', async () => {
    const big = JSON.stringify(payload('x'.repeat(2 * 1024 * 1024)));
    const res = await signed(big);
    expect(res.status).toBe(413);
    expect(await storedCount(`test:${inboxId}:${JSON.parse(big).messages[0].id}`)).toBe(0);
  });

  it('unknown, malformed-id and disabled inboxes are 404; a kind mismatch is 404; other methods 405', async () => {
    const body = JSON.stringify(payload());
    expect((await signed(body, '0123456789abcdef01234567')).status).toBe(404);
    expect((await signed(body, 'not-an-id')).status).toBe(404);
    const other = await createInbox(h.t.core, 'sms');
    const otherId = String(other._id);
    const otherSecret = (await h.t.core.inboxes.webhookTarget(otherId)).settings.webhookSecret as string;
    await modelsOf(h.t.core).Inbox.updateOne({ _id: other._id }, { $set: { enabled: false } });
    h.t.core.bus.publish({ type: 'inbox.changed', at: new Date().toISOString(), inboxId: otherId });
    const res = await post(body, { 'x-test-signature': signTestBody(otherSecret, body) }, otherId);
    expect(res.status).toBe(404);
    const email = await createInbox(h.t.core, 'email');
    expect((await signed(body, String(email._id))).status).toBe(404);
    expect((await fetch(`${h.baseUrl}/webhooks/nonsense/${inboxId}`, { method: 'POST', body })).status).toBe(404);
    expect((await fetch(url(), { method: 'PUT', body })).status).toBe(405);
  });

  it('a malformed body that is correctly signed is 400, never 500, and stores nothing', async () => {
    for (const body of ['not json', '{"messages": "nope"}', JSON.stringify({ messages: [{ id: '', from: 'x', text: '', at: 1 }] })]) {
      expect((await signed(body)).status).toBe(400);
    }
    // Valid for the channel, invalid for the core (an identity key far too long): 400 as well.
    const body = JSON.stringify({ messages: [{ id: 'long-id', from: 'y'.repeat(500), text: 'x', at: Date.now() }] });
    expect((await signed(body)).status).toBe(400);
    expect(await storedCount(`test:${inboxId}:long-id`)).toBe(0);
  });

  it('a verification handshake is answered by the channel (challenge echoed), with the right token only', async () => {
    const ok = await fetch(`${url()}?token=${encodeURIComponent(secret)}&challenge=abc123`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('abc123');
    expect((await fetch(`${url()}?token=wrong&challenge=abc123`)).status).toBe(403);
  });

  it('media announced by reference is fetched by the adapter while processing, not while answering', async () => {
    const body = JSON.stringify(
      payload('see attached', {
        media: [
          { ref: 'file-1', name: 'invoice.pdf', type: 'application/pdf' },
          { ref: 'gone:2', name: 'old.jpg', type: 'image/jpeg' },
        ],
      }),
    );
    const key = `test:${inboxId}:${JSON.parse(body).messages[0].id}`;
    expect((await signed(body)).status).toBe(200);
    const message = await eventually(async () => (await modelsOf(h.t.core).Message.findOne({ providerKey: key }).lean()) ?? undefined);
    expect(message.attachments).toHaveLength(1);
    expect(message.attachments[0]).toMatchObject({ fileName: 'invoice.pdf', mimeType: 'application/pdf', size: 13 });
    expect((await h.t.core.blobs.get(message.attachments[0]!.blobId)).toString()).toBe('%PDF-1.4 test');
    expect(message.text).toContain('old.jpg: not retrieved');
    // The stored event remembers the blob: a re-run would not download again.
    const record = await modelsOf(h.t.core).InboundEvent.findById(key).lean();
    expect(JSON.parse(record!.payloadJson).attachments[0].blobId).toBe(message.attachments[0]!.blobId);
  });

  it('PUBLIC_URL and the per-inbox override produce the URL the platform signed', async () => {
    const target = await h.t.core.inboxes.webhookTarget(inboxId);
    expect(target.publicBaseUrl).toBe(h.t.config.publicUrl);
    await h.t.core.inboxes.update({ role: 'admin' } as never, inboxId, { settings: { publicUrl: 'https://help.example.com/ponte/' } });
    const after = await h.t.core.inboxes.get(inboxId);
    expect(after.webhookUrl).toBe(`https://help.example.com/ponte/webhooks/sms/${inboxId}`);
    expect((await h.t.core.inboxes.webhookTarget(inboxId)).publicBaseUrl).toBe('https://help.example.com/ponte');
  });
});
