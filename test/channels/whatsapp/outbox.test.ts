import { describe, expect, it } from 'vitest';
import { Outbox } from '../../../src/channels/whatsapp/outbox.js';
import type { SendResult } from '../../../src/core/domain/channel-adapter.js';
import { ChannelError } from '../../../src/core/errors/app-error.js';

const result = (id: string): SendResult => ({ providerMessageId: id, sentAt: new Date() });

describe('WhatsApp outbox', () => {
  it('holds replies while not ready and sends them in order (keys are message ids: creation order) once ready', async () => {
    const box = new Outbox({ waitMs: 5_000, holdMs: 60_000 });
    const sent: string[] = [];
    const deliver = (id: string) => async () => (sent.push(id), result(`wa-${id}`));
    // Arriving out of order (concurrent delivery jobs), sent in message order.
    const all = Promise.all(['b', 'a', 'c'].map((id) => box.submit(id, deliver(id))));
    expect(box.pending).toBe(3);
    expect(sent).toEqual([]);
    box.open();
    expect((await all).map((r) => r.providerMessageId)).toEqual(['wa-b', 'wa-a', 'wa-c']);
    expect(sent).toEqual(['a', 'b', 'c']);
  });

  it('a caller that gave up (NOT_READY, retryable) keeps its place; its retry gets the one send, never a second', async () => {
    const box = new Outbox({ waitMs: 30, holdMs: 60_000 });
    const sent: string[] = [];
    const deliver = (id: string) => async () => (sent.push(id), result(`wa-${id}`));
    const first = box.submit('a', deliver('a')).catch((e: unknown) => e);
    const err = await first;
    expect(err).toBeInstanceOf(ChannelError);
    expect((err as ChannelError).code).toBe('NOT_READY');
    expect((err as ChannelError).retryable).toBe(true);
    const later = box.submit('b', deliver('b'));
    const retried = box.submit('a', deliver('a'));
    box.open();
    expect((await retried).providerMessageId).toBe('wa-a');
    await later;
    expect(sent).toEqual(['a', 'b']);
    // A retry after it was sent gets the remembered result.
    expect((await box.submit('a', deliver('a'))).providerMessageId).toBe('wa-a');
    expect(sent).toEqual(['a', 'b']);
  });

  it('a send under way is waited for, not abandoned at the deadline', async () => {
    const box = new Outbox({ waitMs: 20, holdMs: 60_000 });
    let finish!: () => void;
    const gate = new Promise<void>((r) => (finish = r));
    box.open();
    const p = box.submit('a-slow', async () => (await gate, result('wa-slow')));
    const other = box.submit('b-next', async () => result('wa-next')).catch((e: unknown) => e);
    expect(((await other) as ChannelError).code).toBe('NOT_READY'); // the next one waits behind it
    finish();
    expect((await p).providerMessageId).toBe('wa-slow');
  });

  it('a failed send fails its caller and the queue goes on', async () => {
    const box = new Outbox({ waitMs: 5_000, holdMs: 60_000 });
    box.open();
    const bad = box.submit('x', async () => {
      throw new ChannelError('INVALID_RECIPIENT', 'no', false);
    });
    const good = box.submit('y', async () => result('wa-y'));
    await expect(bad).rejects.toMatchObject({ code: 'INVALID_RECIPIENT' });
    expect((await good).providerMessageId).toBe('wa-y');
  });

  it('abandon: every waiting caller is told to retry elsewhere', async () => {
    const box = new Outbox({ waitMs: 5_000, holdMs: 60_000 });
    const p = box.submit('a', async () => result('wa-a'));
    box.abandon(new ChannelError('SESSION_ELSEWHERE', 'moved', true));
    await expect(p).rejects.toMatchObject({ code: 'SESSION_ELSEWHERE', retryable: true });
    expect(box.pending).toBe(0);
  });
});
