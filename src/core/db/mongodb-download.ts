import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Logger } from '../logging/logger.js';

/**
 * Downloads MongoDB for mongodb-memory-server, bounded by a timeout, with progress in our log.
 *
 * The download runs in a child process: mongodb-memory-server has no way to cancel a download,
 * and an abandoned one would keep the network and a lock busy. Killing the child ends it for sure
 * (its lock names a dead pid, which the library treats as free). The library reads its MONGOMS_*
 * settings (MONGOMS_DOWNLOAD_URL, MONGOMS_DOWNLOAD_MIRROR, MONGOMS_DOWNLOAD_DIR, …) itself from the
 * environment the child inherits.
 */

export type DownloadResult = { ok: true; binary: string; ms: number } | { ok: false; why: string };

const RESULT_PREFIX = 'PONTE_MONGOD=';
const ERROR_PREFIX = 'PONTE_DOWNLOAD_ERROR=';

/** CommonJS run with `node -e <script> <module path>`: resolves and downloads (or finds cached) the default mongod version. */
const CHILD_SCRIPT = `
const { MongoBinary } = require(process.argv[1]);
MongoBinary.getPath().then(
  (p) => { process.stdout.write('\\n${RESULT_PREFIX}' + p + '\\n', () => process.exit(0)); },
  (e) => { process.stderr.write('\\n${ERROR_PREFIX}' + String((e && e.message) || e).replace(/\\s+/g, ' ') + '\\n', () => process.exit(2)); },
);`;

export async function downloadMongoBinary(opts: { timeoutMs: number; logger: Logger }): Promise<DownloadResult> {
  const module = createRequire(import.meta.url).resolve('mongodb-memory-server-core');
  const log = opts.logger;
  const started = Date.now();
  log.info({ timeoutSeconds: Math.round(opts.timeoutMs / 1000) }, 'no MongoDB binary here yet: downloading MongoDB (about 70 MB, once) for the embedded database');
  const child = spawn(process.execPath, ['-e', CHILD_SCRIPT, module], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  let stdout = '';
  let stderrTail = '';
  let lastProgress = '';
  let binary: string | undefined;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    // The library prints `Downloading MongoDB "7.0.x": 12.3% (9mb / 70mb)` about every 2 s, ended by \r or \n.
    const lines = stdout.split(/[\r\n]/);
    stdout = lines.pop() ?? '';
    for (const line of lines) {
      const text = line.trim();
      if (text.startsWith('Downloading MongoDB') && text !== lastProgress) {
        lastProgress = text;
        log.info({ progress: text.replace(/^Downloading MongoDB\s*/, '') }, text);
      } else if (text.startsWith(RESULT_PREFIX)) {
        binary = text.slice(RESULT_PREFIX.length);
      }
    }
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-4000);
  });

  return new Promise<DownloadResult>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      const seconds = Math.round(opts.timeoutMs / 1000);
      resolve({ ok: false, why: `MongoDB download did not finish within ${seconds} s${lastProgress ? ` (last: ${lastProgress})` : ''}` });
    }, opts.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, why: `could not run the MongoDB download: ${err.message}` });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      const ms = Date.now() - started;
      if (code === 0 && binary) {
        log.info({ binary, ms }, 'MongoDB downloaded');
        resolve({ ok: true, binary, ms });
        return;
      }
      if (code === null) return; // killed by the timeout, already resolved
      const reported = new RegExp(`${ERROR_PREFIX}(.+)`).exec(stderrTail)?.[1];
      resolve({ ok: false, why: `MongoDB download failed: ${(reported ?? stderrTail.trim()) || `exit code ${code}`}` });
    });
  });
}
