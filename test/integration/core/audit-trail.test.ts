import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Types } from 'mongoose';
import { auditEventId } from '../../../src/core/audit/audit-event-id.js';
import { readAuditTrail } from '../../../src/core/audit/audit-trail.js';
import { rawCollection } from '../../../src/core/db/raw-collection.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { startTestCore, type TestCore } from '../../support/test-core.js';

let t: TestCore;
beforeAll(async () => {
  t = await startTestCore();
});
afterAll(async () => {
  await t?.stop();
});

const byQuery = (ticketId: Types.ObjectId, after: number, limit: number) =>
  modelsOf(t.core).AuditEvent.find({ ticketId, seq: { $gt: after } }).sort({ seq: 1 }).limit(limit).lean();

describe('audit trail read by _id', () => {
  it('new events carry the derived _id; the trail (all, after a seq, limited, across probe widths) equals the query', async () => {
    const ticketId = new Types.ObjectId();
    for (let i = 0; i < 37; i++) await t.core.audit.append(ticketId, 'test.event', { type: 'system' }, { i });
    await t.core.audit.flushHeads();
    const events = await byQuery(ticketId, 0, 100);
    expect(events).toHaveLength(37);
    for (const e of events) expect(String(e._id)).toBe(String(auditEventId(ticketId, e.seq)));
    for (const [after, limit] of [[0, 200], [0, 16], [5, 20], [30, 200], [37, 10]] as const) {
      expect(await readAuditTrail(modelsOf(t.core), ticketId, after, limit)).toEqual(await byQuery(ticketId, after, limit));
    }
  });

  it('events written before derived ids (random _id, sealed) are read by the query', async () => {
    const ticketId = new Types.ObjectId();
    const legacy = Array.from({ length: 3 }, (_, k) => ({
      _id: new Types.ObjectId(),
      ticketId,
      seq: k + 1,
      type: 'legacy',
      actor: { type: 'system' as const },
      dataJson: '{}',
      at: new Date(),
      prevHash: 'p',
      hash: `h${k}`,
    }));
    await rawCollection(modelsOf(t.core).AuditEvent).insertMany(legacy);
    await rawCollection(modelsOf(t.core).AuditHead).insertMany(legacy.map((e) => ({ _id: `${String(ticketId)}:${e.seq}`, ticketId, seq: e.seq })));
    await t.core.audit.append(ticketId, 'test.event', { type: 'system' }, { after: 'legacy' });
    await t.core.audit.flushHeads();
    const trail = await readAuditTrail(modelsOf(t.core), ticketId, 0, 200);
    expect(trail.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(trail).toEqual(await byQuery(ticketId, 0, 200));
  });

  it('an event deleted from the middle (under its seal) does not hide the ones after it', async () => {
    const ticketId = new Types.ObjectId();
    for (let i = 0; i < 5; i++) await t.core.audit.append(ticketId, 'test.event', { type: 'system' }, { i });
    await t.core.audit.flushHeads();
    await rawCollection(modelsOf(t.core).AuditEvent).deleteOne({ _id: auditEventId(ticketId, 3) });
    const trail = await readAuditTrail(modelsOf(t.core), ticketId, 0, 200);
    expect(trail.map((e) => e.seq)).toEqual([1, 2, 4, 5]);
  });
});
