/**
 * Development traffic for a running hub, one channel per module: `npm run simulate -- <channel> [args]`
 * runs `scripts/simulate/<channel>.ts` (each exports `run(args)` and documents its arguments).
 */
const [channel, ...args] = process.argv.slice(2);
if (!channel || !/^[a-z]+$/.test(channel)) {
  console.error('usage: npm run simulate -- <channel> [args]   (e.g. whatsapp help)');
  process.exit(2);
}
const module = (await import(`./simulate/${channel}.ts`).catch(() => undefined)) as { run(args: string[]): Promise<void> } | undefined;
if (!module) {
  console.error(`no simulator for "${channel}" (scripts/simulate/${channel}.ts)`);
  process.exit(2);
}
await module.run(args);
