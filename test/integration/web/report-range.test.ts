import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../support/test-core.js';
import { startWebHarness, type ApiClient, type WebHarness } from './web-harness.js';

/**
 * A report's range comes from the query string: impossible days, a range the wrong way round or longer than
 * three years are the caller's 400 — with `from` alone too, where `to` is today — never a 500 and never a
 * report over years of days.
 */
let h: WebHarness;
let agent: ApiClient;

beforeAll(async () => {
  h = await startWebHarness();
  agent = await h.login(await createUser(h.t.core, 'agent'));
});
afterAll(async () => {
  await h?.stop();
});

const dayBefore = (years: number) => {
  const d = new Date();
  d.setUTCFullYear(d.getUTCFullYear() - years);
  return d.toISOString().slice(0, 10);
};

describe('report ranges', () => {
  it.each(['/api/reports/channels', '/api/reports/agents', '/api/reports/channels.csv', '/api/reports/agents.csv'])('%s refuses impossible days and ranges with a 400', async (path) => {
    for (const query of ['from=2024-13-45', 'to=2024-00-00', 'from=2024-02-30&to=2024-03-02', 'from=2024-13-45&to=2024-13-46', 'from=9999-12-31', `from=${dayBefore(4)}`, 'from=2024-03-02&to=2024-03-01']) {
      const res = await agent.get(`${path}?${query}`);
      expect({ query, status: res.status, code: res.body?.error?.code }).toEqual({ query, status: 400, code: 'VALIDATION_FAILED' });
      expect(res.body.error.details.issues[0].path).toMatch(/^(from|to)$/);
    }
  });

  it('serves a real range, and a leap day', async () => {
    const res = await agent.get('/api/reports/channels?from=2024-02-28&to=2024-03-01');
    expect(res.status).toBe(200);
    expect(res.body.series.map((p: { period: string }) => p.period)).toEqual(['2024-02-28', '2024-02-29', '2024-03-01']);
    expect((await agent.get(`/api/reports/agents?from=${dayBefore(2)}`)).status).toBe(200);
  });
});
