import { describe, expect, it } from 'vitest';
import { inboundMessageId } from '../../../src/core/messages/inbound-message-id.js';

describe('inboundMessageId', () => {
  const at = new Date('2026-11-23T10:00:00.500Z');

  it('names the same message for every attempt at one event, and different messages for different events', () => {
    expect(String(inboundMessageId('sms:SM1', at))).toBe(String(inboundMessageId('sms:SM1', at)));
    expect(String(inboundMessageId('sms:SM1', at))).not.toBe(String(inboundMessageId('sms:SM2', at)));
    const ids = new Set(Array.from({ length: 10_000 }, (_, i) => String(inboundMessageId(`wa:${i}`, at))));
    expect(ids.size).toBe(10_000);
  });

  it('is an ObjectId whose time is when the message was sent (seconds)', () => {
    expect(inboundMessageId('sms:SM1', at).getTimestamp().toISOString()).toBe('2026-11-23T10:00:00.000Z');
    // A date before 1970 (a broken Date header) still gives a valid id.
    expect(inboundMessageId('mail:x', new Date(-5000)).getTimestamp().getTime()).toBe(0);
  });
});
