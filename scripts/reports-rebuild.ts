// `npm run reports:rebuild`: recomputes every report fact and rollup from tickets, messages and the audit
// history (the repair for facts a crash lost between an event and its rollup write). Run it with the hub
// stopped, or accept that facts recorded while it runs wait for the next rebuild. Uses the hub's database
// (MONGODB_URI, else the embedded one under DATA_DIR: there the hub must be stopped, as a second
// process on DATA_DIR is refused, see src/core/db/data-dir-lock.ts).
import { openReports } from './reports-database.js';

const started = Date.now();
const r = await openReports();
try {
  const result = await r.reports.rebuild((what, n) => console.log(`  ${what}: ${n}`));
  console.log(
    `rebuilt from ${result.tickets} tickets: ${result.facts} facts → ${result.buckets} buckets, ${result.days} days, ${result.months} months ` +
      `in ${((Date.now() - started) / 1000).toFixed(1)} s (${r.db.kind})`,
  );
} finally {
  await r.close();
}
