import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { signatureOf } from '../../../src/channels/messenger/webhook.js';

export const PAGE_ID = '104857600000000';
export const PSID = '6543210987654321';
export const APP_SECRET = 'app-secret-3f9a1c07d2e84b6b';
export const PAGE_TOKEN = 'EAAGm0PX4ZCpsBAStandInPageToken';

const dir = fileURLToPath(new URL('../../fixtures/messenger/', import.meta.url));

export type Fixture = 'text' | 'image' | 'echo' | 'delivery' | 'read' | 'postback' | 'batch-3-entries';

/** A fixture as text, optionally rewritten (CDN origin → stand-in, timestamps → now, …). */
export function fixtureText(name: Fixture): string {
  return readFileSync(`${dir}${name}.json`, 'utf8');
}

export function fixture(name: Fixture): any {
  return JSON.parse(fixtureText(name));
}

/** Sets every messaging event's `timestamp` (and watermarks) relative to `at`, keeping their order. */
export function restamp(body: any, at: number): any {
  const copy = structuredClone(body);
  let first: number | undefined;
  for (const entry of copy.entry) {
    for (const m of entry.messaging ?? []) {
      first ??= m.timestamp;
      const shift = at - first!;
      m.timestamp += shift;
      if (m.delivery) m.delivery.watermark += shift;
      if (m.read) m.read.watermark += shift;
    }
  }
  return copy;
}

export function signed(body: unknown, secret = APP_SECRET): { raw: string; headers: Record<string, string> } {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  return { raw, headers: { 'x-hub-signature-256': signatureOf(Buffer.from(raw), secret) } };
}
