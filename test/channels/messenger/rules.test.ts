import { describe, expect, it } from 'vitest';
import { splitText } from '../../../src/channels/messenger/adapter.js';
import { GraphApiError } from '../../../src/channels/messenger/client.js';
import { mapGraphError } from '../../../src/channels/messenger/graph-errors.js';
import { decideSend, replyWindowFor } from '../../../src/channels/messenger/reply-window.js';

const H = 3_600_000;

describe('Graph error → ChannelError', () => {
  const table: Array<[string, GraphApiError, string, boolean, boolean]> = [
    [
      'token expired',
      new GraphApiError('Error validating access token', 400, 190, 463),
      'MESSENGER_TOKEN_INVALID',
      false,
      true,
    ],
    [
      'permission (#10)',
      new GraphApiError('(#10) requires pages_messaging', 400, 10),
      'MESSENGER_PERMISSION_DENIED',
      false,
      true,
    ],
    [
      'permission (#230)',
      new GraphApiError('(#230) requires pages_messaging permission', 403, 230),
      'MESSENGER_PERMISSION_DENIED',
      false,
      true,
    ],
    [
      'outside window',
      new GraphApiError('(#10) sent outside of allowed window', 400, 10, 2018278),
      'OUTSIDE_MESSAGING_WINDOW',
      false,
      false,
    ],
    [
      'app rate limit',
      new GraphApiError('(#4) Application request limit reached', 400, 4),
      'MESSENGER_RATE_LIMITED',
      true,
      false,
    ],
    [
      'user rate limit',
      new GraphApiError('(#17) User request limit reached', 400, 17),
      'MESSENGER_RATE_LIMITED',
      true,
      false,
    ],
    [
      'page rate limit',
      new GraphApiError('(#32) Page request limit reached', 400, 32),
      'MESSENGER_RATE_LIMITED',
      true,
      false,
    ],
    [
      'calls limit',
      new GraphApiError('(#613) Calls to this api have exceeded the rate limit', 400, 613),
      'MESSENGER_RATE_LIMITED',
      true,
      false,
    ],
    [
      'user unavailable',
      new GraphApiError("(#551) This person isn't available right now", 400, 551, 1545041),
      'MESSENGER_USER_UNAVAILABLE',
      false,
      false,
    ],
    [
      'no matching user',
      new GraphApiError('(#100) No matching user found', 400, 100, 2018001),
      'MESSENGER_USER_UNAVAILABLE',
      false,
      false,
    ],
    ['temporary', new GraphApiError('An unexpected error has occurred', 500, 2), 'MESSENGER_UNAVAILABLE', true, false],
    ['network', new GraphApiError('Graph API not reachable (ECONNREFUSED)', 0), 'MESSENGER_UNAVAILABLE', true, false],
    ['bad request', new GraphApiError('(#100) Invalid parameter', 400, 100), 'MESSENGER_REJECTED', false, false],
  ];
  it.each(table)('%s', (_, err, code, retryable, inboxDown) => {
    const mapped = mapGraphError(err);
    expect(mapped.error.code).toBe(code);
    expect(mapped.error.retryable).toBe(retryable);
    expect(mapped.inboxDown).toBe(inboxDown);
    expect(mapped.error.message).toContain(err.message);
  });

  it("honours the platform's Retry-After on rate limits", () => {
    expect(mapGraphError(new GraphApiError('limit', 400, 613, undefined, 30)).error.retryAfterMs).toBe(30_000);
    expect(mapGraphError(new GraphApiError('limit', 400, 4)).error.retryAfterMs).toBe(60_000);
  });
});

describe('the 24-hour window', () => {
  const now = new Date('2026-12-03T12:00:00Z');
  const ago = (h: number) => new Date(now.getTime() - h * H);
  it.each([
    ['23 h ago', ago(23), false, { send: 'RESPONSE' }],
    ['23 h ago, tag allowed', ago(23), true, { send: 'RESPONSE' }],
    ['25 h ago', ago(25), false, { send: false }],
    ['25 h ago, tag allowed', ago(25), true, { send: 'HUMAN_AGENT' }],
    ['8 days ago, tag allowed', ago(8 * 24), true, { send: false }],
    ['never wrote', undefined, true, { send: false }],
  ] as const)('%s', (_, last, allowed, expected) => {
    expect(decideSend(last, now, allowed)).toMatchObject(expected);
  });

  it('tells when the window closes', () => {
    expect(replyWindowFor(ago(1), now, false)).toEqual({
      open: true,
      closesAt: new Date(now.getTime() + 23 * H),
      canReply: true,
    });
    const closed = replyWindowFor(ago(30), now, false);
    expect(closed).toMatchObject({ open: false, closesAt: ago(6), canReply: false });
    expect(closed.detail).toContain('24-hour');
  });
});

describe('long texts', () => {
  it('go as parts of at most 2,000 characters, cut between words', () => {
    const text = Array.from({ length: 900 }, (_, i) => `word${i}`).join(' ');
    const parts = splitText(text);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.every((p) => p.length <= 2000)).toBe(true);
    expect(parts.join(' ')).toBe(text);
    expect(splitText('short')).toEqual(['short']);
  });
});
