/**
 * Pushes realistic, correctly signed platform webhooks into a running hub, as the platform would.
 *
 *   npx tsx scripts/simulate.ts <channel> <scenario> [options]     (npx tsx scripts/simulate.ts <channel> --help)
 *
 * One module per channel under `scripts/simulate/`, each exporting `run(args)`.
 */
const channels: Record<string, () => Promise<{ run(args: string[]): Promise<void> }>> = {
  twilio: () => import('./simulate/twilio.js'),
};

const [channel, ...args] = process.argv.slice(2);
const load = channel ? channels[channel] : undefined;
if (!load) {
  console.error(`usage: npx tsx scripts/simulate.ts <${Object.keys(channels).join('|')}> <scenario> [options]`);
  process.exit(2);
}
load()
  .then((m) => m.run(args))
  .catch((err: unknown) => {
    console.error((err as Error).message);
    process.exit(1);
  });
