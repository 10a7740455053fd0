import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawEmailToEvents } from '../../../src/channels/email/inbound-events.js';
import { createInbox, createUser } from '../../support/test-core.js';
import { startWebHarness, type ApiClient, type WebHarness } from './web-harness.js';
import { modelsOf } from '../../../src/core/models/models-of.js';

/**
 * An Outlook mail with inline images, through the email mapper and the core, read back over the API: the text
 * has no `[cid:…]` placeholders, the HTML refers to `cid:<Content-ID>` and every such reference names a stored
 * attachment (its Content-ID and blob) that the console can fetch; remote images arrive blocked.
 */
let h: WebHarness;
let admin: ApiClient;

beforeAll(async () => {
  h = await startWebHarness();
  admin = await h.login(await createUser(h.t.core, 'admin'));
});
afterAll(async () => {
  await h?.stop();
});

const fixture = (name: string) => readFileSync(path.resolve(import.meta.dirname, '../../fixtures/email', `${name}.eml`));

async function messagesOf(inboxId: string, name: string) {
  const { events } = await rawEmailToEvents(fixture(name), { inboxId, ownAddresses: ['support@ponte.test'] });
  await h.t.core.ingest.accept(events);
  await h.t.core.ingest.drain();
  const stored = (await modelsOf(h.t.core).Message.findOne({ providerKey: events[0]!.providerKey }).lean())!;
  const res = await admin.get(`/api/tickets/${String(stored.ticketId)}/messages`);
  expect(res.status).toBe(200);
  return res.body.items as Array<{ text: string; html: string | null; attachments: Array<{ blobId: string; contentId?: string; inline?: boolean }> }>;
}

describe('inline and remote images over the API', () => {
  it('every cid: in the HTML names a stored attachment by Content-ID; the text has no placeholder', async () => {
    const inbox = String((await createInbox(h.t.core, 'email'))._id);
    const [message] = await messagesOf(inbox, '44-outlook-inline-image-placeholder');
    expect(message!.text).not.toContain('[cid:');
    const cids = [...message!.html!.matchAll(/src="cid:([^"]+)"/g)].map((m) => m[1]);
    expect(cids).toEqual(['image001.png@01DB7D1E.5A6B7C80', 'image002.png@01DB7D1E.5A6B7C80']);
    for (const cid of cids) {
      const attachment = message!.attachments.find((a) => a.contentId === cid);
      expect(attachment).toMatchObject({ inline: true });
      const file = await admin.get(`/api/attachments/${attachment!.blobId}`);
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toBe('image/png');
    }
  });

  it('remote images are stored blocked, their address kept for "show images"', async () => {
    const inbox = String((await createInbox(h.t.core, 'email'))._id);
    const [message] = await messagesOf(inbox, '43-html-only-table-remote-images');
    expect(message!.html).not.toMatch(/ src="https:/);
    expect(message!.html).toContain('data-remote-src="https://track.loja.example.com/open/9031.gif"');
    expect(message!.text).toContain('Plano\t1\tR$ 99,00');
  });
});
