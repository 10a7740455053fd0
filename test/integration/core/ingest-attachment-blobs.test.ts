import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawCollection } from '../../../src/core/db/raw-collection.js';
import type { InboundEventInput } from '../../../src/core/domain/inbound-event.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { createInbox, emailEvent, startTestCore, type TestCore } from '../../support/test-core.js';

/**
 * Attachment bytes are stored in GridFS before the event: a failure half way, and a retry of the same event,
 * must leave exactly one copy of each file — and never take away the files of an event that was stored.
 */

let t: TestCore;
let inboxId: string;
beforeAll(async () => {
  t = await startTestCore();
  inboxId = String((await createInbox(t.core, 'email'))._id);
});
afterAll(async () => {
  await t.stop();
});

function withFiles(messageId: string, count: number): InboundEventInput {
  const e = emailEvent(inboxId, { messageId, from: 'ana@customer.example', subject: 'files' });
  return { ...e, attachments: Array.from({ length: count }, (_, i) => ({ fileName: `f${i}.txt`, mimeType: 'text/plain', size: 6, contentBase64: Buffer.from(`file ${i}`).toString('base64') })) };
}

const blobCount = (): Promise<number> => t.db.connection.db!.collection('blobs.files').countDocuments();

type Put = typeof t.core.blobs.put;

describe('attachment blobs of an event that is retried', () => {
  it('a failure while storing the third file leaves nothing behind; the retry stores each file once', async () => {
    const before = await blobCount();
    const put: Put = t.core.blobs.put.bind(t.core.blobs);
    let calls = 0;
    t.core.blobs.put = (async (...args: Parameters<Put>) => {
      calls += 1;
      if (calls === 3) throw new Error('connection 3 to 127.0.0.1:27017 closed');
      return put(...args);
    }) as Put;
    try {
      await expect(t.core.ingest.accept([withFiles('<half@customer.example>', 3)])).rejects.toThrow(/closed/);
      expect(await blobCount()).toBe(before);
      const retry = await t.core.ingest.accept([withFiles('<half@customer.example>', 3)]);
      expect(retry.accepted).toBe(1);
    } finally {
      t.core.blobs.put = put;
    }
    await t.core.ingest.drain();
    expect(await blobCount()).toBe(before + 3);
  });

  it('an insert that landed although its answer was lost keeps its files', async () => {
    const events = rawCollection(modelsOf(t.core).InboundEvent) as unknown as { insertOne: (doc: never, ...rest: never[]) => Promise<unknown> };
    const insertOne = events.insertOne.bind(events);
    let calls = 0;
    events.insertOne = async (doc: never, ...rest: never[]) => {
      calls += 1;
      const result = await insertOne(doc, ...rest);
      // Stored, then the answer lost to a busy database: the intake tries again and meets its own document.
      if (calls === 1) throw new Error('database is locked (SQLITE_BUSY)');
      return result;
    };
    let outcome;
    try {
      outcome = await t.core.ingest.accept([withFiles('<lost-answer@customer.example>', 2)]);
    } finally {
      events.insertOne = insertOne;
    }
    expect(calls).toBe(2);
    expect(outcome.duplicates).toBe(1);
    const record = await modelsOf(t.core).InboundEvent.findById(`mail:${inboxId}:<lost-answer@customer.example>`).lean();
    const stored = JSON.parse(record!.payloadJson) as { attachments: Array<{ blobId: string }> };
    expect(stored.attachments).toHaveLength(2);
    for (const a of stored.attachments) expect((await t.core.blobs.get(a.blobId)).toString()).toMatch(/^file \d$/);
  });
});
