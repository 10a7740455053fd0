import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InboundEventInput } from '../../../src/core/domain/inbound-event.js';
import { rawEmailToEvents } from '../../../src/channels/email/inbound-events.js';

/** The fixture set and the JSON shape their `.expected.json` files hold. */

export const FIXTURE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/email');
export const FIXTURE_INBOX = 'inbox-email-1';
export const FIXTURE_LOOP = 'support@ponte.test';
/** Clock for fixtures without a Date header. */
export const FIXTURE_NOW = new Date('2025-03-01T12:00:00.000Z');

export function fixtureNames(): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.eml'))
    .map((f) => f.slice(0, -4))
    .sort();
}

export function readFixture(name: string): Buffer {
  return readFileSync(path.join(FIXTURE_DIR, `${name}.eml`));
}

/** JSON-stable form: dates as ISO strings, attachment bytes as their SHA-256. */
export function normaliseEvents(events: InboundEventInput[]): unknown[] {
  return events.map((e) => {
    const plain = JSON.parse(JSON.stringify(e)) as Record<string, unknown>;
    if (e.type === 'message.received') {
      plain.attachments = (e.attachments ?? []).map((a) => {
        const { contentBase64, ...meta } = a;
        return {
          ...meta,
          embedded: contentBase64 !== undefined,
          ...(contentBase64 !== undefined
            ? { sha256: createHash('sha256').update(Buffer.from(contentBase64, 'base64')).digest('hex') }
            : {}),
        };
      });
    }
    return plain;
  });
}

export async function fixtureEvents(name: string): Promise<{ events: InboundEventInput[]; normalised: unknown[] }> {
  const { events } = await rawEmailToEvents(readFixture(name), {
    inboxId: FIXTURE_INBOX,
    loopValues: [FIXTURE_LOOP],
    ownAddresses: [FIXTURE_LOOP],
    now: () => FIXTURE_NOW,
  });
  return { events, normalised: normaliseEvents(events) };
}
