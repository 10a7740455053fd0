import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionLeases } from '../../../src/core/inboxes/session-lease.js';
import { createLogger } from '../../../src/core/logging/logger.js';
import { startDovecot, type DovecotStandin } from '../../standins/dovecot.js';
import { startSmtpCapture, type SmtpCapture } from '../../standins/smtp-capture.js';
import { startHubProcess, type HubProcess } from '../../support/hub-process.js';
import { createUser, startTestCore, TEST_SECRET, type TestCore } from '../../support/test-core.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { until } from '../../support/until.js';

/**
 * Two real hub processes on one database and one email inbox: exactly one IMAP session at any time, counted
 * by Dovecot itself; kill -9 the holder and the other takes over within the lease time, with no mail lost or
 * stored twice.
 */
const LEASE_TTL_MS = 2_000;

let dovecot: DovecotStandin;
let smtp: SmtpCapture;
let t: TestCore;
let inboxId: string;
const hubs: HubProcess[] = [];

beforeAll(async () => {
  dovecot = await startDovecot();
  smtp = await startSmtpCapture();
  t = await startTestCore();
  const admin = await createUser(t.core, 'admin');
  const inbox = await t.core.inboxes.create(admin, {
    kind: 'email',
    name: 'Shared mailbox',
    enabled: true,
    settings: {
      imap: { host: dovecot.host, port: dovecot.port, secure: false, user: dovecot.user, tlsRejectUnauthorized: false },
      smtp: { host: smtp.host, port: smtp.port, secure: false },
      fromAddress: 'support@ponte.test',
      pollIntervalSeconds: 1,
    },
    secrets: { 'imap.password': dovecot.password },
    departmentId: null,
  });
  inboxId = inbox.id;
}, 120_000);

afterAll(async () => {
  for (const h of hubs) await h.kill().catch(() => undefined);
  await t?.stop();
  await smtp?.stop();
  await dovecot?.stop();
});

const hubEnv = () => ({
  MONGODB_URI: t.db.uri,
  SECRET_KEY: TEST_SECRET,
  SESSION_LEASE_TTL_MS: String(LEASE_TTL_MS),
  JOBS_POLL_MS: '200',
});

let n = 0;
const mail = () => {
  n += 1;
  const id = `<owner-${n}.${Date.now()}@customer.example>`;
  return {
    id,
    raw: [
      'From: Rita <rita@customer.example>',
      'To: support@ponte.test',
      `Subject: Order ${n}`,
      `Message-ID: ${id}`,
      `Date: ${new Date().toUTCString()}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      `Body ${n}`,
      '',
    ].join('\r\n'),
  };
};


const storedCount = (id: string) => modelsOf(t.core).Message.countDocuments({ providerKey: `mail:${inboxId}:${id.slice(1, -1)}` });
const leases = () => new SessionLeases(modelsOf(t.core), 'observer', LEASE_TTL_MS, createLogger('silent'));

describe('one IMAP session per inbox across hub processes', () => {
  it('two hubs: one session at Dovecot; kill -9 the holder → the other takes over; every mail stored once', async () => {
    hubs.push(await startHubProcess(hubEnv()), await startHubProcess(hubEnv()));
    const holder = await until('a lease holder', async () => (await leases().current(inboxId))?.holder);
    const holderPid = Number(holder.split(':')[1]);
    const holderHub = hubs.find((h) => h.child.pid === holderPid);
    expect(holderHub, `holder ${holder} is one of the hubs`).toBeDefined();
    await until('the IMAP session', async () => ((await dovecot.imapSessions()).length === 1 ? true : undefined));

    // Sampled while both hubs run (no test client connected): never more than one session.
    const samples: number[] = [];
    for (let i = 0; i < 15; i++) {
      samples.push((await dovecot.imapSessions()).length);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(Math.max(...samples)).toBe(1);

    const before = mail();
    await dovecot.append([before.raw]);
    await until('the first mail', async () => ((await storedCount(before.id)) === 1 ? true : undefined));

    const killedAt = Date.now();
    await holderHub!.kill();
    // Mail that arrives while nobody polls is picked up by the new holder.
    const during = mail();
    await dovecot.append([during.raw]);
    const newHolder = await until('a takeover', async () => {
      const h = (await leases().current(inboxId))?.holder;
      return h && h !== holder ? h : undefined;
    });
    const tookOverMs = Date.now() - killedAt;
    expect(Number(newHolder.split(':')[1])).not.toBe(holderPid);
    expect(tookOverMs).toBeLessThan(LEASE_TTL_MS * 3);
    await until('the mail sent during the takeover', async () => ((await storedCount(during.id)) === 1 ? true : undefined));
    const after = mail();
    await dovecot.append([after.raw]);
    await until('a mail after the takeover', async () => ((await storedCount(after.id)) === 1 ? true : undefined));
    for (const m of [before, during, after]) expect(await storedCount(m.id)).toBe(1);
    // The killed hub's connection is gone at Dovecot's side; the survivor's is the only one.
    await until('one session after the takeover', async () => ((await dovecot.imapSessions()).length === 1 ? true : undefined));
    const survivor = hubs.find((h) => h !== holderHub)!;
    expect(survivor.output()).toContain('session lease claimed');
    // A clean stop releases the lease at once.
    expect(await survivor.stop()).toBe(0);
    expect(await leases().current(inboxId)).toBeUndefined();
  }, 180_000);
});
