// `npm run bench:reports -- [--runs 15] [--data-dir data/seed-reports]` (after `npm run reports:seed`):
// the channel report for the last year (by month) and the last month (by day), each with the comparison
// period, as the REST route computes it (ReportsService.channelReport for an admin), on the database the
// seed wrote. Prints every run, the median, and the dataset size.
import { addDays } from '../../src/core/reports/report-calendar.js';
import { openReports, reportAdmin } from '../reports-database.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const RUNS = Number(arg('runs', '15'));
const DATA_DIR = arg('data-dir', 'data/seed-reports');

const r = await openReports({ DATA_DIR, ORG_TIMEZONE: process.env.ORG_TIMEZONE ?? 'America/Sao_Paulo' });
try {
  const today = r.reports.today();
  const [buckets, days, months] = await Promise.all([r.reports.store.buckets.estimatedDocumentCount(), r.reports.store.days.estimatedDocumentCount(), r.reports.store.months.estimatedDocumentCount()]);
  const year = { from: addDays(today, -364), to: today, granularity: 'month' as const };
  const month = { from: addDays(today, -29), to: today, granularity: 'day' as const };
  const probe = await r.reports.channelReport(reportAdmin, year);
  console.log(
    `dataset (${r.db.kind}, ${DATA_DIR}): ${probe.total.newTickets} tickets created in the last year, ${probe.total.inbound} inbound and ` +
      `${probe.total.outbound} outbound messages, ${probe.total.resolved} resolutions; rollups: ${buckets} buckets, ${days} days, ${months} months`,
  );
  for (const [name, q] of [['year by month', year], ['month by day', month]] as const) {
    const times: number[] = [];
    await r.reports.channelReport(reportAdmin, q); // warm-up, not counted
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await r.reports.channelReport(reportAdmin, q);
      times.push(performance.now() - t0);
    }
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    console.log(`channel report, ${name} (${q.from}..${q.to}): median ${median.toFixed(1)} ms over ${RUNS} runs: ${times.map((t) => t.toFixed(1)).join(', ')}`);
  }
} finally {
  await r.close();
}
