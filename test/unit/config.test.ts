import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, loadConfig } from '../../src/core/config/config.js';

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

  it('.env.example lists exactly the keys the config reads, each once', () => {
    // Read from the schema: a source regex on `KEY: z.` missed the boolean keys (`KEY: bool…`).
    expect(CONFIG_KEYS.length).toBeGreaterThan(20);
    const listed = [...readFileSync('.env.example', 'utf8').matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!);
    expect(CONFIG_KEYS.filter((k) => !listed.includes(k)), 'in the schema, not in .env.example').toEqual([]);
    expect(listed.filter((k) => !CONFIG_KEYS.includes(k)), 'in .env.example, unknown to the schema').toEqual([]);
    expect(listed.filter((k, i) => listed.indexOf(k) !== i), 'listed twice').toEqual([]);
  });

  // A bad value for every key, as an operator might type it; each must be refused in one line naming the key.
  // Keys that take any text (a path, a host name) have no bad value here: the start reports those (HOST, DATA_DIR).
  const bad: Record<string, string | null> = {
    PORT: '99999', HOST: null, PUBLIC_URL: 'help.example.com', LOG_LEVEL: 'verbose', MONGODB_URI: 'localhost:27017',
    DATA_DIR: null, EMBEDDED_DB: 'sqlite', FERRETDB_BINARY: null, EMBEDDED_DB_DOWNLOAD_TIMEOUT_SECONDS: '3m',
    REDIS_URL: 'localhost:6379', SECRET_KEY: 'short', ADMIN_EMAIL: 'admin', ADMIN_PASSWORD: 'short',
    SESSION_TTL_HOURS: '0', COOKIE_SECURE: 'maybe', TRUST_PROXY: 'on', LOGIN_MAX_ATTEMPTS: '1.5',
    LOGIN_MAX_ATTEMPTS_PER_ADDRESS: 'many', LOGIN_WINDOW_MINUTES: '-5', DEV_INBOUND_ENABLED: 'enabled',
    WEBCHAT_NEW_PER_ADDRESS: '0', WEBCHAT_NEW_PER_ADDRESS_WINDOW_MINUTES: '1h', WEBCHAT_NEW_PER_MINUTE: '-1',
    WEBCHAT_SOCKETS_PER_VISITOR: '0', WEBCHAT_SOCKETS_PER_ADDRESS: 'many', WEBCHAT_SOCKET_RETRY_SECONDS: '0',
    HEALTH_DB_TIMEOUT_MS: '10', MAX_ATTACHMENT_BYTES: '25MB', MAX_MESSAGE_ATTACHMENTS_BYTES: '40 MB',
    REOPEN_WINDOW_DAYS: '-1', ORG_TIMEZONE: 'Europe/Berln', OUTBOUND_MAX_ATTEMPTS: '100', OUTBOUND_BACKOFF_BASE_MS: '5s',
    OUTBOUND_BACKOFF_MAX_MS: '1', JOBS_POLL_MS: '10', INGEST_SWEEP_INTERVAL_MS: '50', INGEST_SWEEP_MIN_AGE_MS: '-1',
    FULL_SWEEP_INTERVAL_MS: 'hourly', WEBHOOK_MAX_BYTES: '1MB', SESSION_LEASE_TTL_MS: '100',
    TELEGRAM_API_ROOT: 'api.telegram.org', GRAPH_API_BASE_URL: 'graph.facebook.com', TWILIO_API_BASE_URL: 'twilio',
    WHATSAPP_CHROMIUM_PATH: null, SLA_WARNING_LEAD_MINUTES: '-1', SLA_SCAN_INTERVAL_MS: '1', SLA_BREACH_UNASSIGN: 'sometimes',
    AGENT_OFFLINE_GRACE_MS: '-1',
  };
  it('the table below has an entry for every key', () => {
    expect(CONFIG_KEYS.filter((k) => !(k in bad))).toEqual([]);
  });
  for (const [key, value] of Object.entries(bad)) {
    if (value === null) continue;
    it(`${key}=${JSON.stringify(value)} is refused in one line naming ${key}`, () => {
      let message = '';
      try {
        loadConfig({ [key]: value });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(new RegExp(`^Invalid configuration: ${key}: \\S`));
      expect(message).not.toContain('\n');
    });
  }

  it('ORG_TIMEZONE takes IANA names', () => {
    expect(loadConfig({ ORG_TIMEZONE: 'America/Sao_Paulo' }).tickets.timeZone).toBe('America/Sao_Paulo');
  });

  it('nothing outside the config module reads a key from process.env', async () => {
    // Passing the whole environment on to a child process (go build) is not a configuration read.
    const { execSync } = await import('node:child_process');
    const hits = execSync(String.raw`grep -rlE "process\.env(\.[A-Za-z_]|\[)" src || true`, { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(hits.filter((f) => f !== 'src/core/config/config.ts')).toEqual([]);
  });
});
