import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../logging/logger.js';
import { makeDir } from '../fs/make-dir.js';

/**
 * Builds (when needed) and runs scripts/ferretdb/ferretdb-embedded, a small Go
 * program embedding FerretDB with its SQLite backend. See scripts/ferretdb/main.go.
 */

/** The launcher is stale when any of these is newer than the binary: go.mod, go.sum and every .go file. */
async function sourceFiles(sourceDir: string): Promise<string[]> {
  const names = await fs.readdir(sourceDir);
  return names.filter((n) => n === 'go.mod' || n === 'go.sum' || n.endsWith('.go') || n.endsWith('.mjs')).map((n) => path.join(sourceDir, n));
}
const LOCK_STALE_MS = 15 * 60_000; // a cold build takes minutes on 2 cores; older locks are leftovers
const STDERR_TAIL_LINES = 30;

/** The embedded FerretDB would not start (damaged files, a taken address…): its own last words are the message. */
export class EmbeddedDatabaseError extends Error {
  override name = 'EmbeddedDatabaseError';
}

export interface RunningFerretDb {
  uri: string;
  pid: number;
  stop(): Promise<void>;
}

/** Repo root = nearest ancestor holding scripts/ferretdb/main.go; works from src/ (tsx, vitest) and dist/src/. */
export function findRepoRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(path.join(dir, 'scripts', 'ferretdb', 'main.go'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`Cannot find scripts/ferretdb/main.go above ${from}`);
    dir = parent;
  }
}

async function mtimeMs(file: string): Promise<number | undefined> {
  try {
    return (await fs.stat(file)).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The repo's launcher in `sourceDir` exists and is newer than its Go sources. */
export function isLauncherFresh(sourceDir: string): Promise<boolean> {
  return isFresh(path.join(sourceDir, 'ferretdb-embedded'), sourceDir);
}

async function isFresh(binary: string, sourceDir: string): Promise<boolean> {
  const built = await mtimeMs(binary);
  if (built === undefined) return false;
  const sources = await Promise.all((await sourceFiles(sourceDir)).map((f) => mtimeMs(f)));
  return sources.every((m) => m === undefined || m <= built);
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-8000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (err) => reject(new Error(`Cannot run ${cmd}: ${err.message}`)));
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}:\n${output}`)),
    );
  });
}

const HEARTBEAT_MS = 10_000;

/**
 * Logs the step, then "still <step> (Ns)" every 10 s until it ends: go prints nothing while it
 * works, and a first build that is silent for minutes looks like a hang.
 */
async function withHeartbeat<T>(logger: Logger | undefined, step: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  logger?.info({ step }, step);
  const timer = setInterval(() => {
    const seconds = Math.round((Date.now() - started) / 1000);
    logger?.info({ step, seconds }, `still ${step} (${seconds} s)`);
  }, HEARTBEAT_MS);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Exclusive lock via O_EXCL create, so parallel vitest workers or two `npm start`s
 * don't run `go build` at once. A lock whose owner died, or that is very old, is taken over.
 */
async function withLock<T>(lockFile: string, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      const handle = await fs.open(lockFile, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const [owner, age] = await Promise.all([
        fs.readFile(lockFile, 'utf8').catch(() => ''),
        mtimeMs(lockFile).then((m) => (m === undefined ? 0 : Date.now() - m)),
      ]);
      const pid = Number.parseInt(owner, 10);
      if ((owner !== '' && Number.isFinite(pid) && !pidAlive(pid)) || age > LOCK_STALE_MS) {
        await fs.rm(lockFile, { force: true });
        continue;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lockFile, { force: true });
  }
}

/**
 * Returns the launcher path: `configured` as is (must exist), else the repo's
 * scripts/ferretdb/ferretdb-embedded, rebuilt when missing or older than its Go sources.
 */
export async function ensureFerretDbBinary(opts: { configured?: string | undefined; logger?: Logger } = {}): Promise<string> {
  if (opts.configured) {
    const binary = path.resolve(opts.configured);
    if (!existsSync(binary)) throw new Error(`FERRETDB_BINARY ${binary} does not exist`);
    return binary;
  }
  const sourceDir = path.join(findRepoRoot(), 'scripts', 'ferretdb');
  const binary = path.join(sourceDir, 'ferretdb-embedded');
  if (await isFresh(binary, sourceDir)) return binary;

  return withLock(path.join(sourceDir, '.build.lock'), async () => {
    // Another process may have finished the build while we waited for the lock.
    if (await isFresh(binary, sourceDir)) return binary;
    opts.logger?.info({ sourceDir }, 'building FerretDB launcher with go build (first run takes a few minutes)');
    const started = Date.now();
    // Build to a temp name and rename: a process that skips the lock (fresh check
    // above) must never exec a half-written file.
    const tmp = `${binary}.${process.pid}.tmp`;
    const env = {
      ...process.env,
      GOTOOLCHAIN: 'local',
      CGO_ENABLED: '0',
      // -mod=mod lets go fix up go.sum; -buildvcs=false because the repo may have no commits yet.
      GOFLAGS: '-mod=mod -buildvcs=false',
    };
    try {
      // Two steps so the log says which one is slow: the module download needs the network, the build only CPU.
      await withHeartbeat(opts.logger, 'downloading FerretDB Go modules (go mod download)', () =>
        run('go', ['mod', 'download'], sourceDir, env),
      );
      // FerretDB is built from a patched copy of its module (patch-ferretdb.mjs says what and why).
      await withHeartbeat(opts.logger, 'compiling FerretDB launcher (go build)', async () => {
        await run(process.execPath, ['patch-ferretdb.mjs'], sourceDir, env);
        await run('go', ['build', '-modfile=.patched/go.mod', '-o', tmp, '.'], sourceDir, env);
      });
      await fs.rename(tmp, binary);
    } finally {
      await fs.rm(tmp, { force: true });
    }
    opts.logger?.info({ ms: Date.now() - started }, 'FerretDB launcher built');
    return binary;
  });
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Starts the launcher on `dir` (SQLite files live there). -stdin-watch makes it
 * exit when our stdin pipe closes, so a crashed Node process never leaves it behind.
 */
export async function launchFerretDb(opts: {
  binary: string;
  dir: string;
  logger: Logger;
  startTimeoutMs?: number;
  /** Where to listen; by default a free port. A restart asks for the port it had, so clients' URI stays right. */
  listen?: string;
  /** Called when the process exits without `stop()` (a crash, a kill); the supervisor restarts it. */
  onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}): Promise<RunningFerretDb> {
  await makeDir(opts.dir);
  const child = spawn(opts.binary, ['-dir', path.resolve(opts.dir), '-listen', opts.listen ?? '127.0.0.1:0', '-stdin-watch'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    // A group of its own: a terminal's Ctrl+C (SIGINT to the whole foreground group) reaches the hub only, whose
    // clean stop still writes to the database (its stop snapshot) and stops it last. Should the hub die instead,
    // -stdin-watch ends it.
    detached: true,
  });
  const log = opts.logger;

  // Keep draining both pipes for the whole life of the process: a full pipe would block FerretDB.
  const stderrTail: string[] = [];
  let stderrPartial = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    const lines = (stderrPartial + chunk.toString()).split('\n');
    stderrPartial = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') continue;
      stderrTail.push(line);
      if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
      log.debug({ ferretdb: line }, 'ferretdb log');
    }
  });
  const tail = (): string => [...stderrTail, stderrPartial].filter(Boolean).join('\n') || '(empty)';

  const uri = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const fail = (why: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(
        new EmbeddedDatabaseError(
          `the embedded database (FerretDB) on ${path.resolve(opts.dir)} did not start: it ${why}. What it said last:\n${tail()}\n` +
            'If it names the files ("file is not a database", "malformed"), they are damaged (a crash, a full disk): restore DATA_DIR from your backup.',
        ),
      );
    };
    const timeoutMs = opts.startTimeoutMs ?? 30_000;
    const timer = setTimeout(() => fail(`printed no MONGODB_URI within ${timeoutMs} ms`), timeoutMs);
    let ready = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      if (ready) return; // keep draining, stop collecting
      stdout = (stdout + chunk.toString()).slice(-4096);
      const match = /^MONGODB_URI=(\S+)\s*$/m.exec(stdout);
      if (match?.[1]) {
        ready = true;
        clearTimeout(timer);
        child.removeListener('exit', onExit);
        resolve(match[1]);
      }
    });
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      fail(`exited before ready (code ${code}, signal ${signal})`);
    child.once('exit', onExit);
    child.once('error', (err) => fail(`could not be started: ${err.message}`));
  });

  let stopping = false;
  let stopped: Promise<void> | undefined;
  child.on('exit', (code, signal) => {
    if (stopping) return;
    log.error({ code, signal, pid: child.pid, stderr: tail() }, 'FerretDB exited unexpectedly');
    opts.onUnexpectedExit?.(code, signal);
  });

  return {
    uri,
    pid: child.pid ?? -1,
    stop(): Promise<void> {
      stopped ??= (async () => {
        stopping = true;
        child.kill('SIGTERM');
        if (!(await waitForExit(child, 5000))) {
          log.warn('FerretDB did not exit 5 s after SIGTERM; sending SIGKILL');
          child.kill('SIGKILL');
          await waitForExit(child, 5000);
        }
        child.stdin?.destroy();
      })();
      return stopped;
    },
  };
}
