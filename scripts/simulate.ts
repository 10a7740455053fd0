/**
 * `npm run simulate -- <channel> [options]`: pushes realistic platform traffic (correctly signed webhooks)
 * of one channel into a running hub, as the platform would, so a person can watch a channel work without a
 * bot, a phone or a platform account. One file per channel under `scripts/simulate/`, each exporting
 * `run(argv)`; this file only dispatches. `--help` after the channel name lists its options.
 */
const simulators: Record<string, () => Promise<{ run(argv: string[]): Promise<void> }>> = {
  telegram: () => import('./simulate/telegram.js'),
  messenger: () => import('./simulate/messenger.js'),
  whatsapp: () => import('./simulate/whatsapp.js'),
  twilio: () => import('./simulate/twilio.js'),
};

const [channel, ...rest] = process.argv.slice(2);
const load = channel ? simulators[channel] : undefined;
if (!load) {
  console.error(`usage: npm run simulate -- <${Object.keys(simulators).join('|')}> [options]   (--help for a channel's options)`);
  process.exit(2);
}
load()
  .then((m) => m.run(rest))
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
