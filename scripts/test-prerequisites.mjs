// First step of `npm test`: the programs some tests drive for real (Dovecot for IMAP, Chromium for the
// browser tests) come from Debian. Installed here when possible (root with apt-get, as on our
// development and CI machines); otherwise the exact command is printed and the run stops — a missing
// peer must never turn into skipped tests.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const needs = [
  { what: 'Dovecot (IMAP server for the email tests)', present: () => existsSync('/usr/sbin/dovecot'), packages: ['dovecot-imapd'] },
  {
    what: 'Chromium (browser end-to-end tests)',
    present: () => existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'),
    packages: ['chromium', 'fonts-liberation', 'fonts-noto-color-emoji'],
  },
];

const missing = needs.filter((n) => !n.present());
if (missing.length === 0) process.exit(0);

const packages = missing.flatMap((n) => n.packages);
const command = `apt-get install -y --no-install-recommends ${packages.join(' ')}`;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
console.log(`test prerequisites missing: ${missing.map((n) => n.what).join('; ')}`);
if (!isRoot || !hasApt) {
  console.error(`Install them, then run npm test again:\n  sudo apt-get update && sudo ${command}`);
  process.exit(1);
}
console.log(`installing: ${command}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
