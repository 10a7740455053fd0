import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** whatsapp-web.js (and with it puppeteer) is loaded by one file only, behind the port; the rest is testable without it. */
describe('whatsapp-web.js import boundary', () => {
  it('is imported only by src/channels/whatsapp/session.ts', async () => {
    const files = (await readdir('src', { recursive: true })).filter((f) => f.endsWith('.ts'));
    const importers: string[] = [];
    for (const f of files) {
      const text = await readFile(path.join('src', f), 'utf8');
      if (/from ['"]whatsapp-web\.js['"]|import\(['"]whatsapp-web\.js['"]\)|require\(['"]whatsapp-web\.js['"]\)/.test(text)) importers.push(f);
    }
    expect(importers).toEqual([path.join('channels', 'whatsapp', 'session.ts')]);
  });
});

describe('session.ts with the real whatsapp-web.js (constructed, never initialised: that would reach WhatsApp)', () => {
  it('builds a Client with RemoteAuth on our store and Chromium from the configured path, behind the port', async () => {
    const { createWebClient, CHROMIUM_ARGS } = await import('../../../src/channels/whatsapp/session.js');
    const store = { sessionExists: async () => false, save: async () => undefined, extract: async () => undefined, delete: async () => undefined };
    const port = await createWebClient({ clientId: 'inbox-1', dataPath: '/tmp/ponte-wa-construct', auth: 'remote', store, chromiumPath: '/usr/bin/chromium', fakePort: 0 });
    for (const method of ['initialize', 'on', 'sendMessage', 'getMessageById', 'logout', 'destroy', 'removeAllListeners'] as const) {
      expect(typeof port[method]).toBe('function');
    }
    expect(CHROMIUM_ARGS).toContain('--no-sandbox');
    // RemoteAuth refuses a store-less or bad clientId at construction; LocalAuth is the explicit alternative.
    const local = await createWebClient({ clientId: 'inbox-1', dataPath: '/tmp/ponte-wa-construct', auth: 'local', store, chromiumPath: '/usr/bin/chromium', fakePort: 0 });
    expect(typeof local.initialize).toBe('function');
  });
});
