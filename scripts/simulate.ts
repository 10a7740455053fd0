/**
 * `npm run simulate -- <channel> [options]`: pushes realistic, correctly signed webhooks of one channel into a
 * running hub, as the platform would. Each channel's simulator lives in `scripts/simulate/<channel>.ts` and
 * exports `run(argv)`; `--help` after the channel name lists its options.
 *
 *   npm run simulate -- messenger --inbox <inboxId> --app-secret <secret> [--hub http://localhost:3000]
 */
const simulators: Record<string, () => Promise<{ run(argv: string[]): Promise<void> }>> = {
  messenger: () => import('./simulate/messenger.js'),
};

const [channel, ...rest] = process.argv.slice(2);
const load = channel ? simulators[channel] : undefined;
if (!load) {
  console.error(
    `usage: npm run simulate -- <${Object.keys(simulators).join('|')}> [options]   (--help for a channel's options)`,
  );
  process.exit(2);
}
await(await load()).run(rest);
