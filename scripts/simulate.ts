/**
 * Pushes realistic platform traffic into a running hub, so a person can watch a channel work without a bot,
 * a phone or a platform account:
 *
 *   npx tsx scripts/simulate.ts <channel> [options]      (`--help` after the channel lists its options)
 *
 * One file per channel under `scripts/simulate/`, each exporting `run(argv)`; this file only dispatches.
 */
const channels: Record<string, () => Promise<{ run(argv: string[]): Promise<void> }>> = {
  telegram: () => import('./simulate/telegram.js'),
};

const [name, ...rest] = process.argv.slice(2);
const load = name ? channels[name] : undefined;
if (!load) {
  console.error(`usage: npx tsx scripts/simulate.ts <${Object.keys(channels).join('|')}> [options]`);
  process.exit(2);
}
load()
  .then((m) => m.run(rest))
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
