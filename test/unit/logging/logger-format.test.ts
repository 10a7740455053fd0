import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/core/logging/logger.js';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { stream, text: () => text };
}

describe('log format', () => {
  it('writes one JSON object per line when not pretty (what a log collector reads)', async () => {
    const out = capture();
    createLogger('info', { pretty: false, destination: out.stream }).info({ database: 'ferretdb' }, 'Ponte is running');
    await new Promise((r) => setImmediate(r));
    const line = JSON.parse(out.text().trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ msg: 'Ponte is running', database: 'ferretdb', level: 30 });
  });

  it('writes human-readable lines when pretty (a terminal), secrets still redacted', async () => {
    const out = capture();
    createLogger('info', { pretty: true, destination: out.stream }).info({ database: 'ferretdb', password: 'hunter2' }, 'Ponte is running');
    await new Promise((r) => setImmediate(r));
    const text = out.text();
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Ponte is running/);
    expect(text).toContain('database: "ferretdb"');
    expect(text).not.toContain('hunter2');
    expect(() => JSON.parse(text)).toThrow();
  });
});
