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

/** A day `years` after today (UTC; the org zone may be a day behind, which the one-year allowance absorbs). */
const dayAfter = (years: number) => {
  const d = new Date();
  d.setUTCFullYear(d.getUTCFullYear() + years);
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

  it.each(['/api/reports/channels', '/api/reports/agents', '/api/reports/channels.csv', '/api/reports/agents.csv'])('%s refuses days no report can hold with a 400, at once', async (path) => {
    // 9999-12: the month after it is no YYYY-MM (a 500); year 1000: the backlog trend read every month
    // document from then to today (12,000 reads, 14 s on the embedded database, for any signed-in user).
    const cases: Array<[string, string]> = [
      ['from=9999-12-01&to=9999-12-31', 'to'],
      [`from=${dayAfter(1)}&to=${dayAfter(2)}`, 'to'],
      ['from=1000-01-01&to=1000-01-31', 'from'],
      ['from=0000-01-01&to=0000-01-31', 'from'],
      ['from=1969-12-31&to=1970-01-31', 'from'],
    ];
    for (const [query, field] of cases) {
      const started = Date.now();
      const res = await agent.get(`${path}?${query}`);
      expect({ query, status: res.status, code: res.body?.error?.code, path: res.body?.error?.details?.issues?.[0]?.path }).toEqual({ query, status: 400, code: 'VALIDATION_FAILED', path: field });
      expect(Date.now() - started).toBeLessThan(2_000);
    }
    expect((await agent.get(`${path}?from=1970-01-01&to=1970-01-31`)).status).toBe(200);
    // `to` alone near the first day: the default month before it starts at the first day, not a 400 on a `from` nobody sent.
    expect((await agent.get(`${path}?to=1970-01-10`)).status).toBe(200);
    expect((await agent.get(`${path}?from=${dayAfter(0)}&to=${dayAfter(1)}`)).status).toBe(200);
  });

  it('serves a real range, and a leap day', async () => {
    const res = await agent.get('/api/reports/channels?from=2024-02-28&to=2024-03-01');
    expect(res.status).toBe(200);
    expect(res.body.series.map((p: { period: string }) => p.period)).toEqual(['2024-02-28', '2024-02-29', '2024-03-01']);
    expect((await agent.get(`/api/reports/agents?from=${dayBefore(2)}`)).status).toBe(200);
  });
});
