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
