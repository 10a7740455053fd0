import { describe, expect, it } from 'vitest';
import { classifySendError, sendOutbound, type SendProgress } from '../../../src/channels/whatsapp/send.js';
import type { WhatsAppClientPort } from '../../../src/channels/whatsapp/port.js';
import type { OutboundMessage } from '../../../src/core/domain/channel-adapter.js';

/** Only `sendMessage` is used by the send path; the second call fails once, as a page reload does. */
function flakyClient() {
  const sent: Array<{ content: unknown; caption?: string }> = [];
  let calls = 0;
  const client = {
    async sendMessage(chatId: string, content: unknown, options?: { caption?: string }) {
      calls++;
      if (calls === 2) throw new Error('Evaluation failed: Protocol error (Runtime.callFunctionOn): Target closed.');
      sent.push({ content, ...(options?.caption ? { caption: options.caption } : {}) });
      return { id: { _serialized: `true_${chatId}_ID${calls}` } };
    },
  } as unknown as WhatsAppClientPort;
  return { client, sent };
}

const out: OutboundMessage = {
  messageId: 'm-wa-parts',
  ticketId: 't1',
  ticketNumber: 3,
  inboxId: 'i1',
  to: { handle: '+5511912345678', phone: '+5511912345678' },
  text: 'Segue a fatura e o recibo',
  attachments: [
    { fileName: 'fatura.pdf', mimeType: 'application/pdf', size: 4, content: Buffer.from('%PDF') },
    { fileName: 'recibo.pdf', mimeType: 'application/pdf', size: 4, content: Buffer.from('%PDF') },
  ],
  threading: {},
};

describe('WhatsApp send, a reply of several files and a flaky page', () => {
  it('a retry after the second file failed sends only that file; the first (with the caption) goes once', async () => {
    const { client, sent } = flakyClient();
    const progress: SendProgress = new Map();
    const err = await sendOutbound(client, out, () => undefined, progress).then(
      () => undefined,
      (e: unknown) => classifySendError(e),
    );
    expect(err).toMatchObject({ code: 'SEND_FAILED', retryable: true });
    const r = await sendOutbound(client, out, () => undefined, progress);
    expect(sent.map((s) => (s.content as { filename: string }).filename)).toEqual(['fatura.pdf', 'recibo.pdf']);
    expect(sent.filter((s) => s.caption)).toHaveLength(1);
    expect(r.providerMessageId).toBe('true_5511912345678@c.us_ID1');
    expect(progress.size).toBe(0);
  });
});
