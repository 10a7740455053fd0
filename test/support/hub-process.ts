import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** A whole hub (`src/main.ts`) in its own process, on a given database: what "several hub processes" means. */
export interface HubProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  /** SIGTERM and wait for the exit (clean shutdown: leases released). */
  stop(): Promise<number | null>;
  /** SIGKILL: no shutdown code runs, as in a crash. */
  kill(): Promise<void>;
}

export async function startHubProcess(env: Record<string, string>): Promise<HubProcess> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ponte-hub-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: process.cwd(),
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ADMIN_PASSWORD: 'hub-process-admin-pw',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { url, output } = await waitUntilRunning(child, 60_000);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    url,
    output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * Collects a hub process's output and resolves with its URL once it logs "Ponte is running"; rejects when it
 * exits first or the time runs out (with everything it printed).
 */
export async function waitUntilRunning(child: ChildProcess, timeoutMs: number): Promise<{ url: string; output: () => string }> {
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "Ponte is running" line within ${timeoutMs / 1000} s:\n${out}`)), timeoutMs);
    const check = () => {
      const line = out.split('\n').find((l) => l.includes('Ponte is running'));
      if (line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { url: string }).url);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${out}`)));
  });
  return { url, output: () => out };
}

/** A hub expected to refuse to start: its exit code and everything it printed (killed after `timeoutMs`). */
export function runRefusedHub(env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', HOST: '127.0.0.1', ADMIN_PASSWORD: 'hub-process-admin-pw', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}
