#!/usr/bin/env node
// A stand-in for the `mongod` binary, for testing what Ponte does around mongodb-memory-server (no MongoDB
// binary can be had on our CI machines). The real library spawns this as it would spawn mongod; it answers
// `--version` as mongod does and otherwise serves the MongoDB wire protocol on `--bind_ip:--port` with
// the embedded FerretDB on `--dbpath`, then prints mongod's "Waiting for connections" line, which is what
// the library waits for. SIGINT/SIGTERM stop it cleanly (exit 0, as mongod); if FerretDB dies, so does this
// (exit 1, as a crashed mongod). Environment: PONTE_FAKE_MONGOD_FERRETDB (the launcher binary, required),
// PONTE_FAKE_MONGOD_VERSION (what `--version` says).
import { spawn } from 'node:child_process';

const args = process.argv.slice(2);
if (args.includes('--version')) {
  console.log(`db version v${process.env.PONTE_FAKE_MONGOD_VERSION ?? '7.0.14'}`);
  process.exit(0);
}
const arg = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const port = arg('--port');
const dbPath = arg('--dbpath');
const ip = arg('--bind_ip') ?? '127.0.0.1';
const binary = process.env.PONTE_FAKE_MONGOD_FERRETDB;
if (!port || !dbPath || !binary) {
  console.error(`fake mongod: need --port, --dbpath and PONTE_FAKE_MONGOD_FERRETDB (got ${args.join(' ')})`);
  process.exit(2);
}

// Our stdin pipe ends when this process dies in any way (-stdin-watch): FerretDB never outlives it.
const db = spawn(binary, ['-dir', dbPath, '-listen', `${ip}:${port}`, '-stdin-watch'], { stdio: ['pipe', 'pipe', 'pipe'] });
let stopping = false;
let out = '';
db.stdout.on('data', (chunk) => {
  if (out === null) return;
  out += chunk.toString();
  if (/^MONGODB_URI=/m.test(out)) {
    out = null;
    console.log(JSON.stringify({ t: { $date: new Date().toISOString() }, s: 'I', c: 'NETWORK', id: 23016, msg: 'Waiting for connections', attr: { port: Number(port) } }));
  }
});
db.stderr.on('data', (chunk) => {
  const text = chunk.toString();
  // mongod's words for a taken port, which the library recognises.
  if (/address already in use/i.test(text)) console.log(JSON.stringify({ s: 'E', c: 'CONTROL', msg: `Address already in use: ${ip}:${port}` }));
  process.stderr.write(chunk);
});
db.on('exit', (code, signal) => {
  if (!stopping) console.error(`fake mongod: FerretDB exited (code ${code}, signal ${signal})`);
  process.exit(stopping ? 0 : 1);
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    stopping = true;
    db.kill('SIGTERM');
  });
}
