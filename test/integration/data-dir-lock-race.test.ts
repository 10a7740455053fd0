import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import { hostname } from 'node:os';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * DATA_DIR/ponte.lock left by a hub that died (kill -9, a power cut) is taken over by the next start. Two starts
 * that found the same stale lock at the same instant (systemd restarting a crashed hub while an operator typed
 * `npm start`, two containers on one volume) used to both take it over: each removed "the stale lock", the later
 * one removing the lock the other had just written, and both ran an embedded database on the same files.
 */
const ROUNDS = 12;
const PERIOD_MS = 600;
const HOLD_MS = 300;
const CONTENDERS = 4;
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
});

describe('taking over a stale DATA_DIR lock', () => {
  it('several starts racing for the same stale lock: exactly one wins each time', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ponte-lock-race-'));
    dirs.push(dataDir);
    // A pid that is certainly gone: a process that ran and exited.
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;
    const plantStale = () => fs.writeFile(path.join(dataDir, 'ponte.lock'), `${JSON.stringify({ pid: deadPid, host: hostname(), since: new Date().toISOString() })}\n`);

    const firstAt = Date.now() + 8_000; // every contender has loaded by then, even on a busy machine
    const outputs: string[] = [];
    const exits = Array.from({ length: CONTENDERS }, (_, i) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/data-dir-lock-contender.ts', dataDir, String(firstAt), String(PERIOD_MS), String(ROUNDS), String(HOLD_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
      outputs[i] = '';
      child.stdout.on('data', (d: Buffer) => (outputs[i] += d.toString()));
      return new Promise<number | null>((resolve) => child.once('exit', resolve));
    });
    // A stale lock before each round (the winner of the last one has released its own by then).
    for (let round = 0; round < ROUNDS; round++) {
      const at = firstAt + round * PERIOD_MS - (PERIOD_MS - HOLD_MS) / 2;
      await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
      await plantStale();
    }
    expect(await Promise.all(exits)).toEqual(Array(CONTENDERS).fill(0));

    const lines = outputs.flatMap((o) => o.trim().split('\n'));
    expect(lines.filter((l) => l.startsWith('error')), lines.join('\n')).toEqual([]);
    const winners = Array.from({ length: ROUNDS }, (_, round) => lines.filter((l) => l === `won ${round}`).length);
    expect(winners, lines.join('\n')).toEqual(Array(ROUNDS).fill(1));
  }, 60_000);
});
