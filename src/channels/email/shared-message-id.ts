import { createHash } from 'node:crypto';
import type { ChannelStateStore } from '../../core/domain/channel-adapter.js';
import type { InboundEventInput } from '../../core/domain/inbound-event.js';
import { headerLookupFromBlock } from './headers.js';

/**
 * Two different mails with one Message-ID (scan-to-mail firmware and scripts that reuse a fixed one) would share
 * the providerKey `mail:<inbox>:<Message-ID>`, and the core would drop the second as a duplicate: a lost mail.
 * The first mail seen with an id leaves its content fingerprint in the channel state; a later mail with that id
 * and another fingerprint gets keys of its own (`…#<fingerprint>`). The same mail read again, or delivered twice
 * (To and Cc), has the same fingerprint — From, Date and the body bytes, not the trace headers a server adds —
 * and stays one message.
 */

const FINGERPRINT_CHARS = 16;

export function contentFingerprint(raw: Buffer): string {
  const text = raw.toString('latin1');
  const blank = /\r?\n\r?\n/.exec(text);
  const head = headerLookupFromBlock(blank ? text.slice(0, blank.index) : text);
  const body = blank ? raw.subarray(blank.index + blank[0].length) : Buffer.alloc(0);
  return createHash('sha256')
    .update(`${head.first('from') ?? ''}\n${head.first('date') ?? ''}\n`)
    .update(body)
    .digest('hex')
    .slice(0, FINGERPRINT_CHARS);
}

function stateKey(messageId: string): string {
  return `mail.fingerprint:${createHash('sha256').update(messageId).digest('hex').slice(0, 32)}`;
}

/** Gives `events` keys of their own when another mail already came with this Message-ID (`fingerprint`: see above). */
export async function keyApartFromSharedMessageId(state: ChannelStateStore, messageId: string, fingerprint: string, events: InboundEventInput[]): Promise<void> {
  const key = stateKey(messageId);
  const first = await state.get<string>(key);
  if (first === undefined) {
    await state.set(key, fingerprint);
    return;
  }
  if (first === fingerprint) return;
  for (const e of events) e.providerKey = `${e.providerKey.slice(0, 1200 - FINGERPRINT_CHARS - 1)}#${fingerprint}`;
}
