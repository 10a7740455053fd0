import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { createInbox, createUser, smsEvent } from '../../support/test-core.js';
import { startWebHarness, type ApiClient, type WebHarness } from './web-harness.js';

/** A tag typed several ways (case, spaces, accents composed or not, full-width letters) is one tag. */
let h: WebHarness;
let admin: ApiClient;
let ticketId: string;

beforeAll(async () => {
  h = await startWebHarness();
  admin = await h.login(await createUser(h.t.core, 'admin'));
  const inboxId = String((await createInbox(h.t.core, 'sms'))._id);
  await h.t.core.ingest.accept([smsEvent(inboxId, { sid: 'SM-tags-1', from: '+5511900000201', text: 'hi' })]);
  await h.t.core.ingest.drain();
  ticketId = String((await modelsOf(h.t.core).Message.findOne({ providerKey: 'sms:SM-tags-1' }).lean())!.ticketId);
});
afterAll(async () => {
  await h?.stop();
});

describe('ticket tags', () => {
  it('the same word typed differently is one tag, found and removed by any of its spellings', async () => {
    const composed = 'Caf\u00e9 crème';
    const decomposed = 'cafe\u0301   cre\u0300me';
    const fullWidth = '\uff23\uff21\uff26\uff25\u0301 CRÈME';
    for (const tag of [composed, decomposed, ` ${fullWidth} `]) {
      const res = await admin.patch(`/api/tickets/${ticketId}`, { addTags: [tag] });
      expect(res.status).toBe(200);
    }
    const stored = (await modelsOf(h.t.core).Ticket.findById(ticketId).lean())!.tags;
    expect(stored).toEqual(['café crème']);

    const found = await admin.get(`/api/tickets?tag=${encodeURIComponent('CAFÉ Crème')}`);
    expect(found.status).toBe(200);
    expect(found.body.items.map((t: { id: string }) => t.id)).toContain(ticketId);

    expect((await admin.patch(`/api/tickets/${ticketId}`, { removeTags: [decomposed] })).status).toBe(200);
    expect((await modelsOf(h.t.core).Ticket.findById(ticketId).lean())!.tags).toEqual([]);
  });

  it('a tag of only invisible characters is refused (400), not stored as an empty tag', async () => {
    const res = await admin.patch(`/api/tickets/${ticketId}`, { addTags: ['\u200b\u200b'] });
    expect(res.status).toBe(400);
  });
});
