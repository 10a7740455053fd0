import { lockDataDir } from '../../src/core/db/data-dir-lock.js';

/**
 * One of several processes racing for DATA_DIR/ponte.lock (data-dir-lock-race.test.ts): at each round's
 * instant it asks for the lock, prints `won <round>` or `refused <round>`, and a winner holds it for `holdMs`.
 * Usage: data-dir-lock-contender.ts <dataDir> <firstRoundAt ms> <periodMs> <rounds> <holdMs>
 */
const [dataDir, firstAt, period, rounds, hold] = [process.argv[2]!, ...process.argv.slice(3).map(Number)] as [string, number, number, number, number];
const sleepUntil = (at: number) => new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));

for (let round = 0; round < rounds; round++) {
  await sleepUntil(firstAt + round * period);
  try {
    const lock = await lockDataDir(dataDir);
    process.stdout.write(`won ${round}\n`);
    await sleepUntil(firstAt + round * period + hold);
    await lock.release();
  } catch (err) {
    process.stdout.write(`${(err as Error).name === 'DataDirInUseError' ? 'refused' : `error ${(err as Error).message.replace(/\n/g, ' ')}`} ${round}\n`);
  }
}
