import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config/config.js';

describe('configuration', () => {
  it('needs nothing for an embedded start', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, host: '127.0.0.1', publicUrl: 'http://localhost:3000', devInboundEnabled: false });
    expect(c.database.uri).toBeUndefined();
  });

  it('treats empty strings as unset and coerces types', () => {
    const c = loadConfig({ PORT: '8080', MONGODB_URI: '', DEV_INBOUND_ENABLED: 'true', PUBLIC_URL: 'https://help.example.com/' });
    expect(c).toMatchObject({ port: 8080, devInboundEnabled: true, publicUrl: 'https://help.example.com' });
    expect(c.auth.cookieSecure).toBe(true);
  });

  it('reports every invalid key with its name', () => {
    try {
      loadConfig({ PORT: 'eighty', MONGODB_URI: 'postgres://x', SECRET_KEY: 'short' });
      expect.unreachable();
    } catch (err) {
      const issues = (err as { issues: Array<{ path: string }> }).issues.map((i) => i.path);
      expect(issues).toEqual(expect.arrayContaining(['PORT', 'MONGODB_URI', 'SECRET_KEY']));
      expect((err as { code: string }).code).toBe('VALIDATION_FAILED');
    }
  });

  it('.env.example lists every key the config reads', () => {
    const source = readFileSync('src/core/config/config.ts', 'utf8');
    const keys = [...source.matchAll(/^ {2}([A-Z][A-Z0-9_]+): z\./gm)].map((m) => m[1]!);
    expect(keys.length).toBeGreaterThan(20);
    const example = readFileSync('.env.example', 'utf8');
    expect(keys.filter((k) => !new RegExp(`^${k}=`, 'm').test(example))).toEqual([]);
  });

  it('nothing outside the config module reads a key from process.env', async () => {
    // Passing the whole environment on to a child process (go build) is not a configuration read.
    const { execSync } = await import('node:child_process');
    const hits = execSync(String.raw`grep -rlE "process\.env(\.[A-Za-z_]|\[)" src || true`, { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(hits.filter((f) => f !== 'src/core/config/config.ts')).toEqual([]);
  });
});
