/**
 * The visitor-minting loop of issue 17, against the whole app with the default limits: scripts loop over a
 * cookie-less `GET /chat/api/session` and one message, one from a single address and others from rotating
 * addresses (TRUST_PROXY=true, so X-Forwarded-For names them), while a normal visitor chats. Reports tickets
 * created per minute from the single address and in total, and whether the normal visitor got through.
 *
 *   npx tsx scripts/bench/webchat-minting.ts [--seconds 60] [--addresses 50]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { startApp } from '../../test/e2e/support/start-app.js';
import { modelsOf } from '../../src/core/models/models-of.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, addresses: { type: 'string', default: '50' } } });
const seconds = Number(values.seconds);
const addresses = Number(values.addresses);

const app = await startApp({ TRUST_PROXY: 'true' });
const until = Date.now() + seconds * 1000;
const tally = { single: { ok: 0, busy: 0 }, rotating: { ok: 0, busy: 0 }, visitor: { ok: 0, refused: 0 } };

async function mintOnce(address: string, into: { ok: number; busy: number }) {
  const session = await fetch(`${app.url}/chat/api/session`, { headers: { 'x-forwarded-for': address } });
  const cookie = (session.headers.get('set-cookie') ?? '').split(';')[0]!;
  await session.arrayBuffer();
  const res = await fetch(`${app.url}/chat/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-forwarded-for': address },
    body: JSON.stringify({ clientMessageId: randomUUID(), text: 'mint' }),
  });
  await res.arrayBuffer();
  if (res.status === 202) into.ok++;
  else into.busy++;
}

const single = (async () => {
  while (Date.now() < until) await mintOnce('203.0.113.66', tally.single);
})();
let next = 0;
const rotating = (async () => {
  while (Date.now() < until) await mintOnce(`198.51.100.${(next++ % addresses) + 1}`, tally.rotating);
})();
// A normal visitor who started chatting before the flood writes every 5 s.
const session = await fetch(`${app.url}/chat/api/session`, { headers: { 'x-forwarded-for': '192.0.2.10' } });
const visitorCookie = (session.headers.get('set-cookie') ?? '').split(';')[0]!;
const normal = (async () => {
  while (Date.now() < until) {
    const res = await fetch(`${app.url}/chat/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: visitorCookie, 'x-forwarded-for': '192.0.2.10' },
      body: JSON.stringify({ clientMessageId: randomUUID(), text: 'a real question' }),
    });
    if (res.status === 202) tally.visitor.ok++;
    else tally.visitor.refused++;
    await new Promise((r) => setTimeout(r, 5000));
  }
})();
await Promise.all([single, rotating, normal]);
await app.core.ingest.drain();
const tickets = await modelsOf(app.core).Ticket.countDocuments({});
const perMinute = (n: number) => (n / (seconds / 60)).toFixed(1);
console.log(JSON.stringify({ seconds, tally, tickets, ticketsPerMinute: perMinute(tickets), singleAddressPerMinute: perMinute(tally.single.ok) }, null, 2));
await app.stop();
