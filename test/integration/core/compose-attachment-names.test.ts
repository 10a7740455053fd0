import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { createInbox, createUser, smsEvent, startTestCore, type TestCore } from '../../support/test-core.js';

/**
 * Files an agent attaches go out to customers on every channel and are downloaded by web chat visitors: their
 * names follow the same rule as the names customers give (`sanitizeFileName`), whatever the console sent.
 */
let t: TestCore;
beforeAll(async () => {
  t = await startTestCore();
});
afterAll(async () => {
  await t?.stop();
});

describe('the names of files an agent attaches', () => {
  it('lose direction overrides, control characters and leading dots, and are unique on the message', async () => {
    const inbox = await createInbox(t.core);
    await t.core.ingest.accept([smsEvent(String(inbox._id), { sid: 'CAN-1', from: '+5511900007311' })]);
    await t.core.ingest.drain();
    const inbound = (await modelsOf(t.core).Message.findOne({ providerKey: 'sms:CAN-1' }).lean())!;
    const admin = await createUser(t.core, 'admin');
    const bytes = Buffer.from('hello').toString('base64');
    const note = await t.core.compose.note(admin, String(inbound.ticketId), {
      text: 'see attached',
      attachments: [
        // Shown as "invoiceexe.pdf" by a right-to-left override: an executable posing as a PDF.
        { fileName: 'invoice\u202Efdp.exe', mimeType: 'application/octet-stream', contentBase64: bytes },
        { fileName: 'a\r\nb.txt', mimeType: 'text/plain', contentBase64: bytes },
        { fileName: '.htaccess', mimeType: 'text/plain', contentBase64: bytes },
        { fileName: 'ab.txt', mimeType: 'text/plain', contentBase64: bytes },
        { fileName: '...', mimeType: 'text/plain', contentBase64: bytes },
      ],
    });
    expect(note.attachments.map((a) => a.fileName)).toEqual(['invoicefdp.exe', 'ab.txt', 'htaccess', 'ab (2).txt', 'attachment-5']);
  });
});
