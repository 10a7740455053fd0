/**
 * Event-loop delay while one ~12 MB mail is parsed: on the main thread (what the hub did before) and through
 * the MailReader worker (what it does now). `npx tsx scripts/bench/email-parse.ts`. Small: one mail each way.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { rawEmailToEvents } from '../../src/channels/email/inbound-events.js';
import { MailReader } from '../../src/channels/email/mail-reader.js';

function bigMail(): Buffer {
  const pdf = Buffer.alloc(8 * 1024 * 1024, 7).toString('base64').replace(/.{76}/g, '$&\r\n');
  const html = `<p>${'Olá, segue o relatório em anexo. '.repeat(100_000)}</p>`;
  return Buffer.from(
    [
      'From: Big <big@customer.example>',
      'To: support@ponte.test',
      'Subject: big',
      'Message-ID: <big@customer.example>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/html; charset=utf-8',
      '',
      html,
      '--b',
      'Content-Type: application/pdf; name="report.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      pdf,
      '--b--',
      '',
    ].join('\r\n'),
  );
}

async function measure(label: string, work: () => Promise<unknown>): Promise<void> {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  // A steady timer, as the hub's sockets and timers would have.
  const tick = setInterval(() => undefined, 5);
  delay.enable();
  const t0 = performance.now();
  await work();
  const ms = performance.now() - t0;
  delay.disable();
  clearInterval(tick);
  const f = (ns: number): string => (ns / 1e6).toFixed(0);
  console.log(`${label.padEnd(28)} ${ms.toFixed(0).padStart(6)} ms in all; event-loop delay max ${f(delay.max)} ms, p99 ${f(delay.percentile(99))} ms, mean ${(delay.mean / 1e6).toFixed(1)} ms`);
}

const raw = bigMail();
console.log(`mail: ${(raw.length / 1e6).toFixed(1)} MB`);
await measure('main thread (before)', () => rawEmailToEvents(raw, { inboxId: 'bench' }));
const reader = new MailReader();
// The first read also starts the worker (loading mailparser); measure a warm one as the hub would mostly see.
await measure('worker, cold start', () => reader.read(raw, { inboxId: 'bench' }));
await measure('worker, warm (after)', () => reader.read(raw, { inboxId: 'bench' }));
await reader.close();
