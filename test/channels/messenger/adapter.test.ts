import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessengerAdapter, splitText } from '../../../src/channels/messenger/adapter.js';
import { testMessengerConnection } from '../../../src/channels/messenger/test-connection.js';
import type { ChannelContext, ChannelHealth, OutboundMessage } from '../../../src/core/domain/channel-adapter.js';
import { ChannelError } from '../../../src/core/errors/app-error.js';
import { GraphApiStandIn } from '../../standins/graph-api.js';
import { APP_SECRET, PAGE_ID, PAGE_TOKEN, PSID } from './fixtures.js';

/** The adapter and its Graph client against the loopback stand-in, without a hub. */

let graph: GraphApiStandIn;
const health: Array<Omit<ChannelHealth, 'checkedAt'>> = [];
const settings = { pageId: PAGE_ID, pageAccessToken: PAGE_TOKEN, appSecret: APP_SECRET };

function context(s: Record<string, unknown> = settings): ChannelContext {
  return {
    inboxId: 'inbox1',
    settings: s,
    state: { get: async () => undefined, set: async () => undefined },
    blobs: { put: async () => 'blob', get: async () => Buffer.alloc(0), delete: async () => undefined },
    emit: async () => ({ accepted: 0, duplicates: 0 }),
    reportHealth: async (h) => void health.push(h),
    logger: pino({ level: 'silent' }),
  };
}

async function started(s?: Record<string, unknown>) {
  const adapter = new MessengerAdapter({ graphApiBaseUrl: graph.baseUrl, timeoutMs: 3_000 });
  await adapter.start(context(s));
  return adapter;
}

const out = (over: Partial<OutboundMessage> = {}): OutboundMessage => ({
  messageId: `msg${Math.random()}`,
  ticketId: 't1',
  ticketNumber: 1,
  inboxId: 'inbox1',
  to: { handle: PSID },
  text: 'hello',
  attachments: [],
  threading: {},
  lastCustomerMessageAt: new Date(),
  ...over,
});

beforeAll(async () => {
  graph = await new GraphApiStandIn(PAGE_ID, PAGE_TOKEN).start();
});
afterAll(async () => {
  await graph.stop();
});

describe('MessengerAdapter.send', () => {
  it('sends a long text in parts and each file as a multipart upload, returning the first mid', async () => {
    const adapter = await started();
    const before = graph.sent.length;
    const text = `${'palavra '.repeat(400)}fim`;
    const png = Buffer.from('\x89PNG\r\n\x1a\n fake image bytes');
    const pdf = Buffer.from('%PDF-1.4 invoice');
    const result = await adapter.send(
      out({
        text,
        attachments: [
          { fileName: 'print.png', mimeType: 'image/png', size: png.length, content: png },
          { fileName: 'invoice.pdf', mimeType: 'application/pdf', size: pdf.length, content: pdf },
        ],
      }),
    );
    const sent = graph.sent.slice(before);
    expect(sent.map((s) => (s.text !== undefined ? 'text' : s.attachment!.type))).toEqual([
      'text',
      'text',
      'image',
      'file',
    ]);
    expect(
      sent
        .filter((s) => s.text)
        .map((s) => s.text)
        .join(' '),
    ).toBe(text);
    expect(sent[2]!.attachment).toMatchObject({ fileName: 'print.png', mimeType: 'image/png' });
    expect(sent[2]!.attachment!.content.equals(png)).toBe(true);
    expect(sent[3]!.attachment!.content.equals(pdf)).toBe(true);
    expect(sent.every((s) => s.recipientId === PSID && s.messagingType === 'RESPONSE')).toBe(true);
    expect(result.providerMessageId).toBe(sent[0]!.messageId);
  });

  it('does not send again the parts that went before a retryable failure', async () => {
    const adapter = await started();
    const message = out({
      text: 'first part',
      attachments: [{ fileName: 'a.png', mimeType: 'image/png', size: 3, content: Buffer.from('png') }],
    });
    const before = graph.sent.length;
    // The text goes, the file meets a temporary error.
    graph.failNext(
      { status: 500, code: 2, message: 'An unexpected error has occurred. Please retry your request later.' },
      1,
    );
    await expect(adapter.send(message)).rejects.toMatchObject({ code: 'MESSENGER_UNAVAILABLE', retryable: true });
    expect(graph.sent.slice(before).map((s) => s.text)).toEqual(['first part']);
    const result = await adapter.send(message);
    expect(graph.sent.slice(before).map((s) => s.text ?? s.attachment!.fileName)).toEqual(['first part', 'a.png']);
    expect(result.providerMessageId).toBe(graph.sent[before]!.messageId);
  });

  it('refuses outside the window without calling Meta, and tags within 7 days where allowed', async () => {
    const before = graph.sent.length;
    const old = new Date(Date.now() - 30 * 3_600_000);
    const strict = await started();
    await expect(strict.send(out({ lastCustomerMessageAt: old }))).rejects.toMatchObject({
      code: 'OUTSIDE_MESSAGING_WINDOW',
      retryable: false,
    });
    expect(graph.sent.length).toBe(before);
    const tagging = await started({ ...settings, allowHumanAgentTag: true });
    await tagging.send(out({ lastCustomerMessageAt: old }));
    expect(graph.sent.at(-1)).toMatchObject({ messagingType: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' });
  });

  it('maps a user who is gone to a permanent error without touching the inbox health', async () => {
    const adapter = await started();
    const before = health.length;
    graph.failNext({ code: 551, subcode: 1545041, message: "(#551) This person isn't available right now." });
    const err = await adapter.send(out()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelError);
    expect(err).toMatchObject({ code: 'MESSENGER_USER_UNAVAILABLE', retryable: false });
    expect(health.length).toBe(before);
  });
});

describe('MessengerAdapter: media, profile, health', () => {
  it('downloads an attachment within the limit, refuses a larger one, and says when a URL expired', async () => {
    const adapter = await started();
    const bytes = Buffer.alloc(10_000, 7);
    const url = graph.addFile('clip.mp4', bytes, 'video/mp4');
    const media = await adapter.fetchMedia({ remoteRef: url, fileName: 'clip.mp4', mimeType: 'video/mp4' }, 20_000);
    expect(media.content.equals(bytes)).toBe(true);
    expect(media.mimeType).toBe('video/mp4');
    await expect(
      adapter.fetchMedia({ remoteRef: url, fileName: 'clip.mp4', mimeType: 'video/mp4' }, 5_000),
    ).rejects.toMatchObject({
      code: 'MEDIA_TOO_LARGE',
      retryable: false,
    });
    await expect(
      adapter.fetchMedia(
        {
          remoteRef: `${graph.baseUrl.replace('/v21.0', '')}/cdn/expired.jpg`,
          fileName: 'x.jpg',
          mimeType: 'image/jpeg',
        },
        5_000,
      ),
    ).rejects.toMatchObject({ code: 'MEDIA_GONE', retryable: false });
  });

  it('reads the profile: first and last name, picture', async () => {
    graph.addProfile('555', {
      first_name: 'Lucía',
      last_name: 'Pérez',
      profile_pic: 'https://platform-lookaside.fbsbx.com/p/555.jpg',
    });
    const adapter = await started();
    expect(await adapter.profileFor('555')).toEqual({
      displayName: 'Lucía Pérez',
      avatarUrl: 'https://platform-lookaside.fbsbx.com/p/555.jpg',
    });
    await expect(adapter.profileFor('unknown')).rejects.toBeDefined();
  });

  it('checks health and tests the connection with GET /<page-id>?fields=name', async () => {
    const adapter = await started();
    expect(await adapter.checkHealth()).toMatchObject({ status: 'ok', detail: 'Page "Ponte Demo Page"' });
    const ok = await testMessengerConnection(settings, { graphApiBaseUrl: graph.baseUrl });
    expect(ok).toMatchObject({ ok: true, checks: { graph: { ok: true } } });
    const bad = await testMessengerConnection(
      { ...settings, pageAccessToken: 'EAAexpired-token-xyz' },
      { graphApiBaseUrl: graph.baseUrl },
    );
    expect(bad).toMatchObject({ ok: false, checks: { graph: { ok: false, code: 'MESSENGER_TOKEN_INVALID' } } });
    const invalid = await testMessengerConnection({ pageId: 'not-a-number' }, { graphApiBaseUrl: graph.baseUrl });
    expect(invalid).toMatchObject({ ok: false, checks: { graph: { ok: false, code: 'SETTINGS_INVALID' } } });
    const down = await started({ ...settings, pageAccessToken: 'EAAexpired-token-xyz' });
    expect(await down.checkHealth()).toMatchObject({ status: 'down' });
  });
});

describe('splitText', () => {
  it('a long text of emoji without spaces is cut between characters, never inside a surrogate pair', () => {
    const text = 'a' + '😀'.repeat(1500); // odd: the 2000th code unit is the first half of a pair
    const parts = splitText(text);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.join('')).toBe(text);
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(2000);
      expect(p).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
    }
  });
});
