import { execFile, spawn } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';

/**
 * A real Dovecot IMAP server (Debian package `dovecot-imapd`) on 127.0.0.1, with a
 * throw-away configuration in a temp dir: plaintext login, a static passdb (any user,
 * one password) and a static userdb whose maildir is owned by uid 65534 (Dovecot
 * refuses to run mail processes as root).
 */

const execFileAsync = promisify(execFile);

/** The uid/gid the mail processes run as and that owns the maildir (nobody/nogroup). */
const MAIL_UID = 65534;
const MAIL_GID = 65534;

export interface DovecotOptions {
  /** Password accepted for every user (static passdb). */
  password?: string;
  /** Path of the `dovecot` binary. */
  binary?: string;
}

export interface DovecotStandin {
  host: string;
  port: number;
  user: string;
  password: string;
  dir: string;
  /** A connected imapflow client (caller logs it out). */
  client(): Promise<ImapFlow>;
  /** APPEND messages to a mailbox (default INBOX); returns the assigned UIDs. */
  append(messages: Array<string | Buffer>, mailbox?: string): Promise<number[]>;
  /** Create a mailbox if it does not exist. */
  createMailbox(mailbox: string): Promise<void>;
  /** Delete and recreate a mailbox: Dovecot gives it a new UIDVALIDITY. */
  recreateMailbox(mailbox: string): Promise<void>;
  /** Current UIDVALIDITY and message count of a mailbox. */
  mailboxStatus(mailbox?: string): Promise<{ uidValidity: bigint; messages: number; uidNext: number }>;
  /** The Dovecot log (useful when a test fails). */
  log(): Promise<string>;
  /** IMAP sessions logged in right now, as Dovecot counts them (`doveadm who`): one entry per connection. */
  imapSessions(): Promise<Array<{ pid: number }>>;
  stop(): Promise<void>;
}

export function isDovecotInstalled(binary = '/usr/sbin/dovecot'): Promise<boolean> {
  return execFileAsync(binary, ['--version']).then(
    () => true,
    () => false,
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Runs `dovecot -c <conf>`, which forks the master into the background. stdio is
 * ignored: the daemon keeps inherited pipes open, so execFile would never resolve.
 */
function runDaemon(binary: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${binary} exited with ${code ?? signal}`));
    });
  });
}

/** Resolves once the server sends its `* OK` greeting. */
async function waitForGreeting(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      await new Promise<void>((resolve, reject) => {
        const sock = net.connect({ host: '127.0.0.1', port });
        const timer = setTimeout(() => {
          sock.destroy();
          reject(new Error('no greeting'));
        }, 2000);
        sock.once('data', (chunk) => {
          clearTimeout(timer);
          sock.end('a LOGOUT\r\n');
          sock.destroy();
          if (chunk.toString('latin1').startsWith('* OK')) resolve();
          else reject(new Error(`unexpected greeting: ${chunk.toString('latin1')}`));
        });
        sock.once('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
      });
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`Dovecot did not greet on port ${port}: ${String(lastError)}`);
}

function renderConfig(dir: string, port: number, password: string): string {
  return `# Throw-away Dovecot ${'2.3'} configuration written by test/standins/dovecot.ts
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
info_log_path = ${dir}/dovecot.log
instance_name = ponte-test-${port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests log in wrongly on purpose: answer failures at once, and no per-IP penalty
# slowing down the logins that follow.
auth_failure_delay = 0
mail_location = maildir:${dir}/mail/%n/Maildir
first_valid_uid = ${MAIL_UID}
last_valid_uid = ${MAIL_UID}
passdb {
  driver = static
  args = password=${password}
}
userdb {
  driver = static
  args = uid=${MAIL_UID} gid=${MAIL_GID} home=${dir}/mail/%n
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
mail_max_userip_connections = 100
`;
}

export async function startDovecot(options: DovecotOptions = {}): Promise<DovecotStandin> {
  const binary = options.binary ?? '/usr/sbin/dovecot';
  const password = options.password ?? 'imap-secret';
  const user = 'support';
  const dir = await mkdtemp(path.join(tmpdir(), 'ponte-dovecot-'));
  // mkdtemp makes a 0700 directory; mail processes (uid 65534) must traverse it.
  await chmod(dir, 0o755);
  const mailRoot = path.join(dir, 'mail');
  const home = path.join(mailRoot, user);
  await mkdir(home, { recursive: true });
  for (const p of [mailRoot, home]) {
    await chown(p, MAIL_UID, MAIL_GID);
  }
  const port = await freePort();
  const conf = path.join(dir, 'dovecot.conf');
  await writeFile(conf, renderConfig(dir, port, password));
  try {
    await runDaemon(binary, ['-c', conf]);
  } catch (err) {
    const log = await readFile(path.join(dir, 'dovecot.log'), 'utf8').catch(() => '');
    throw new Error(`dovecot failed to start: ${String(err)}\n${log}`);
  }
  await waitForGreeting(port, 15_000);

  const connect = async (): Promise<ImapFlow> => {
    const client = new ImapFlow({
      host: '127.0.0.1',
      port,
      secure: false,
      doSTARTTLS: false,
      auth: { user, pass: password },
      logger: false,
      disableAutoIdle: true,
    });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };

  const withClient = async <T>(fn: (c: ImapFlow) => Promise<T>): Promise<T> => {
    const c = await connect();
    try {
      return await fn(c);
    } finally {
      await c.logout().catch(() => c.close());
    }
  };

  const createMailbox = async (mailbox: string): Promise<void> => {
    if (mailbox.toUpperCase() === 'INBOX') return;
    await withClient(async (c) => {
      const list = await c.list();
      if (!list.some((m) => m.path === mailbox)) await c.mailboxCreate(mailbox);
    });
  };

  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    dir,
    client: connect,
    createMailbox,
    async append(messages, mailbox = 'INBOX') {
      await createMailbox(mailbox);
      return withClient(async (c) => {
        const uids: number[] = [];
        for (const m of messages) {
          const res = await c.append(mailbox, m);
          if (res && typeof res.uid === 'number') uids.push(res.uid);
        }
        return uids;
      });
    },
    async recreateMailbox(mailbox) {
      if (mailbox.toUpperCase() === 'INBOX') throw new Error('INBOX cannot be deleted; use another mailbox');
      await withClient(async (c) => {
        const before = await c.status(mailbox, { uidValidity: true }).catch(() => undefined);
        await c.mailboxDelete(mailbox).catch(() => undefined);
        await c.mailboxCreate(mailbox);
        const after = await c.status(mailbox, { uidValidity: true });
        if (before?.uidValidity !== undefined && after.uidValidity === before.uidValidity) {
          throw new Error('Dovecot kept the UIDVALIDITY of the recreated mailbox');
        }
      });
    },
    async mailboxStatus(mailbox = 'INBOX') {
      return withClient(async (c) => {
        const s = await c.status(mailbox, { uidValidity: true, messages: true, uidNext: true });
        return { uidValidity: s.uidValidity ?? 0n, messages: s.messages ?? 0, uidNext: s.uidNext ?? 0 };
      });
    },
    log() {
      return readFile(path.join(dir, 'dovecot.log'), 'utf8').catch(() => '');
    },
    async imapSessions() {
      const out = await new Promise<string>((resolve, reject) =>
        execFile(path.join(path.dirname(binary), '..', 'bin', 'doveadm'), ['-c', conf, 'who', '-1'], (err, stdout) =>
          err ? reject(err) : resolve(stdout),
        ),
      );
      // "username  proto  pid  ip" after a header line.
      return out
        .split('\n')
        .slice(1)
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => f.length >= 3 && f[1] === 'imap')
        .map((f) => ({ pid: Number(f[2]) }));
    },
    async stop() {
      const pidFile = path.join(dir, 'run', 'master.pid');
      const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
        const deadline = Date.now() + 10_000;
        while (Date.now() < deadline) {
          try {
            process.kill(pid, 0);
            await new Promise((r) => setTimeout(r, 50));
          } catch {
            break;
          }
        }
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
