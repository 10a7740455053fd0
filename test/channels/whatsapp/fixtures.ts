import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WaMessageJson } from '../../../src/channels/whatsapp/fake-client.js';
import type { WaMessage, WaReaction } from '../../../src/channels/whatsapp/port.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/whatsapp');

/** A message fixture (whatsapp-web.js `Message` JSON); `id` renames it (a fresh message of the same shape). */
export function waFixture(name: string, opts: { id?: string; body?: string; timestamp?: number; from?: string } = {}): WaMessageJson {
  const json = JSON.parse(readFileSync(path.join(dir, `${name}.json`), 'utf8')) as WaMessageJson;
  if (opts.id) {
    const chat = json.fromMe ? json.to : json.from;
    json.id = { ...json.id, id: opts.id, _serialized: `${json.fromMe}_${opts.from ?? chat}_${opts.id}` };
  }
  if (opts.from) {
    json.from = opts.from;
    json.id = { ...json.id, remote: opts.from, _serialized: `${json.fromMe}_${opts.from}_${json.id.id}` };
  }
  if (opts.body !== undefined) json.body = opts.body;
  if (opts.timestamp !== undefined) json.timestamp = opts.timestamp;
  return json;
}

export function reactionFixture(): WaReaction {
  return JSON.parse(readFileSync(path.join(dir, 'reaction.json'), 'utf8')) as WaReaction;
}

/** The fixture as the object whatsapp-web.js hands to listeners (methods included). */
export function asMessage(json: WaMessageJson, quoted?: WaMessage): WaMessage {
  const { _media, ...fields } = json;
  return { ...fields, downloadMedia: async () => _media, getQuotedMessage: async () => quoted };
}
