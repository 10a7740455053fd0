import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { InboundEmail } from './inbound-events.js';
import type { MailReadAnswer, MailReadOptions, MailReadRequest } from './mail-reader-protocol.js';

/**
 * Parses raw mail in a worker thread. mailparser is synchronous in long stretches: a 12 MB mail held the hub's
 * event loop for seconds (every agent's live console frozen), and anyone can send one. One worker per hub process
 * is shared by all inboxes and reads one mail at a time; it starts on demand and ends when idle.
 *
 * Two ways a read fails, kept apart because the poller treats them differently:
 * - `MailUnreadableError`: the mapper threw — the mail is unreadable, the same every time;
 * - `MailReaderCrashedError`: the worker died (out of memory, a native crash) or hung past the timeout — maybe the
 *   mail, maybe the moment. The poller retries and counts; only a mail that stops the reader again and again is
 *   kept aside as unreadable.
 */

export class MailUnreadableError extends Error {
  readonly code = 'MAIL_UNREADABLE';
}

export class MailReaderCrashedError extends Error {
  readonly code = 'MAIL_READER_CRASHED';
}

/** The worker could not start (missing file, no memory for a thread): no mail's fault, wait and try again. */
export class MailReaderUnavailableError extends Error {
  readonly code = 'MAIL_READER_UNAVAILABLE';
}

export interface MailReaderOptions {
  /** A read taking longer is a hung reader (the worker is ended). 12 MB took 2–6 s on a busy 2-core host. */
  timeoutMs?: number;
  /** The worker's heap (MB): a mail that needs more kills the worker, never the hub. */
  maxHeapMb?: number;
  /** An idle worker ends after this long (its ~40 MB back); the next mail starts one again. */
  idleMs?: number;
}

export interface MailRead {
  inbound: InboundEmail;
  /** `contentFingerprint` of the raw mail (see shared-message-id.ts), computed off the event loop too. */
  fingerprint: string;
}

interface Task {
  request: MailReadRequest;
  resolve(read: MailRead): void;
  reject(err: Error): void;
}

export class MailReader {
  private worker?: Worker;
  /** The worker loaded its code (said `ready`): a death after this may be the mail's doing. */
  private ready = false;
  private readonly queue: Task[] = [];
  private current?: { task: Task; timer: NodeJS.Timeout };
  private idleTimer?: NodeJS.Timeout;
  private seq = 0;

  constructor(private readonly options: MailReaderOptions = {}) {}

  read(raw: Buffer, options: MailReadOptions): Promise<MailRead> {
    return new Promise<MailRead>((resolve, reject) => {
      this.seq += 1;
      this.queue.push({ request: { id: this.seq, raw, options }, resolve, reject });
      this.next();
    });
  }

  /** Ends the worker; reads waiting or in flight fail as crashed (the poller retries them). */
  async close(): Promise<void> {
    const worker = this.worker;
    if (worker) this.onStopped(worker, new Error('mail reader closed'));
    for (const task of this.queue.splice(0)) task.reject(new MailReaderCrashedError('mail reader closed'));
  }

  private next(): void {
    if (this.current) return;
    const task = this.queue.shift();
    if (!task) {
      this.idleSoon();
      return;
    }
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const worker = this.worker ?? this.spawn();
    const timeoutMs = this.options.timeoutMs ?? 120_000;
    const timer = setTimeout(() => this.onStopped(worker, new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    this.current = { task, timer };
    void handOver(task.request.raw).then((bytes) => {
      if (this.current?.task === task && this.worker === worker) worker.postMessage({ ...task.request, raw: bytes }, [bytes.buffer]);
    });
  }

  private spawn(): Worker {
    const worker = startWorker({ maxOldGenerationSizeMb: this.options.maxHeapMb ?? 1024 });
    // The worker never keeps the process alive; a read in flight does, through the poller awaiting it.
    worker.unref();
    worker.on('message', (answer: MailReadAnswer | { ready: true }) => {
      if ('ready' in answer) {
        if (worker === this.worker) this.ready = true;
      } else this.onAnswer(worker, answer);
    });
    worker.on('error', (err: Error) => this.onStopped(worker, err));
    worker.on('exit', (code: number) => this.onStopped(worker, new Error(`exited with code ${code}`)));
    this.worker = worker;
    this.ready = false;
    return worker;
  }

  private onAnswer(worker: Worker, answer: MailReadAnswer): void {
    const current = this.current;
    if (worker !== this.worker || !current || current.task.request.id !== answer.id) return;
    clearTimeout(current.timer);
    this.current = undefined;
    if ('error' in answer) current.task.reject(new MailUnreadableError(answer.error));
    else current.task.resolve({ inbound: answer.inbound, fingerprint: answer.fingerprint });
    this.next();
  }

  /** The worker died, hung or was closed: the read in flight fails as crashed; the queue goes on in a new worker. */
  private onStopped(worker: Worker, why: Error): void {
    if (worker !== this.worker) return;
    this.worker = undefined;
    void worker.terminate();
    const current = this.current;
    this.current = undefined;
    if (current) {
      clearTimeout(current.timer);
      const started = this.ready;
      current.task.reject(started ? new MailReaderCrashedError(`mail reader stopped: ${why.message}`) : new MailReaderUnavailableError(`mail reader did not start: ${why.message}`));
    }
    this.next();
  }

  private idleSoon(): void {
    const worker = this.worker;
    if (!worker || this.idleTimer) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.worker !== worker || this.current) return;
      this.worker = undefined;
      void worker.terminate();
    }, this.options.idleMs ?? 60_000);
    this.idleTimer.unref();
  }
}

/** Bytes copied per event-loop turn (a busy host copied 12 MB in one go in 0.3 s). */
const COPY_SLICE = 1024 * 1024;

/**
 * The worker's own copy of the mail, to be transferred, not cloned (cloning 12 MB into a message held the loop for
 * most of a second); the caller keeps `raw` for its stored copy. Copied a slice per turn.
 */
async function handOver(raw: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = new Uint8Array(new ArrayBuffer(raw.byteLength));
  for (let at = 0; at < raw.byteLength; at += COPY_SLICE) {
    bytes.set(raw.subarray(at, at + COPY_SLICE), at);
    if (at + COPY_SLICE < raw.byteLength) await new Promise((resolve) => setImmediate(resolve));
  }
  return bytes;
}

/**
 * Compiled (dist/…/mail-reader.js) the worker is its .js sibling. Run from source (tsx, vitest) it is a .ts file,
 * and a loader given in execArgv does not reach a worker's entry: the worker registers tsx itself first.
 */
function startWorker(resourceLimits: ResourceLimits): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./mail-reader-worker.js', here), { resourceLimits });
  const tsxApi = pathToFileURL(createRequire(here).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const entry = new URL('./mail-reader-worker.ts', here).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, resourceLimits });
}

/** The reader every inbox of this process shares (one worker at most). */
export const sharedMailReader = new MailReader();
