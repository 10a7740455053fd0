import { parentPort } from 'node:worker_threads';
import { rawEmailToEvents } from './inbound-events.js';
import type { MailReadRequest, MailReadAnswer } from './mail-reader-protocol.js';
import { contentFingerprint } from './shared-message-id.js';

/**
 * The worker thread of `MailReader`: parses one mail at a time (mailparser, charsets, HTML, attachments), so a
 * 12 MB mail costs this thread seconds and the hub's event loop nothing. Pure: no database, no network.
 */

const port = parentPort;
if (!port) throw new Error('mail-reader-worker runs as a worker thread only');

port.on('message', (request: MailReadRequest) => {
  void read(request).then((answer) => port.postMessage(answer));
});
// Loaded: from here on a death is the reading's doing, not a start-up failure.
port.postMessage({ ready: true });

async function read({ id, raw, options }: MailReadRequest): Promise<MailReadAnswer> {
  try {
    const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    const { nowIso, ...rest } = options;
    const inbound = await rawEmailToEvents(bytes, { ...rest, ...(nowIso ? { now: () => new Date(nowIso) } : {}) });
    return { id, inbound, fingerprint: contentFingerprint(bytes) };
  } catch (err) {
    return { id, error: err instanceof Error ? err.message : String(err) };
  }
}
