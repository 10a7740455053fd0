import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../src/core/events/domain-events.js';
import { projectToVisitor, type VisitorRoom, type VisitorRooms } from '../../../src/channels/webchat/visitor-projector.js';

function fakeRooms(attached = true) {
  const emitted: Array<{ room: VisitorRoom; payload: unknown }> = [];
  const remembered = new Map<string, VisitorRoom>();
  let lookups = 0;
  const merged = new Map<string, VisitorRoom[]>();
  const mergedLookups: Array<{ ticketId: string; refresh: boolean }> = [];
  const rooms: VisitorRooms = {
    socketsAttached: attached,
    async roomOf(ticketId) {
      lookups++;
      return remembered.get(ticketId) ?? null;
    },
    rememberRoom: (ticketId, room) => void remembered.set(ticketId, room),
    emitConversation: (room, payload) => void emitted.push({ room, payload }),
    emitCsat: (room, payload) => void emitted.push({ room, payload: { csat: payload } }),
    async ticketRef() {
      lookups++;
      return null;
    },
    async shownTicket() {
      lookups++;
      return null;
    },
    async mergedRooms(ticketId, refresh) {
      mergedLookups.push({ ticketId, refresh });
      return merged.get(ticketId) ?? [];
    },
  };
  return { rooms, emitted, remembered, merged, lookups: () => lookups, mergedLookups };
}

const scope = { ticketId: 't1', departmentId: null, assigneeId: null };
const summary = { id: 't1', number: 7, subject: 's', status: 'open', priority: 'normal', channel: 'webchat' as const, inboxId: 'i1', contactId: 'c1', departmentId: null, assigneeId: null, tags: [], lastMessageAt: '2026-01-01T00:00:00.000Z', slaDueAt: null };
const message = (direction: 'inbound' | 'outbound'): DomainEvent => ({
  type: 'message.created',
  seq: 2,
  at: '2026-01-01T00:00:00.000Z',
  scope,
  message: { id: 'm1', ticketId: 't1', channel: 'webchat', direction, kind: 'message', authorName: 'V', authorType: 'contact', text: 'hi', quotedText: null, hasHtml: false, attachments: [], deliveryStatus: 'received', occurredAt: '2026-01-01T00:00:00.000Z', threadReason: null, automated: false, subjectChanged: false },
  ticket: { number: 7, status: 'new', inboxId: 'i1', conversationId: 'visitor-1' },
});

describe('the web chat visitor projector (the second emitter)', () => {
  it("a visitor's own message tells its tabs the ticket number and which message was accepted; the room is remembered", async () => {
    const f = fakeRooms();
    await projectToVisitor(message('inbound'), f.rooms);
    expect(f.emitted).toEqual([{ room: { inboxId: 'i1', visitorId: 'visitor-1' }, payload: { ticket: { number: 7, status: 'new' }, accepted: 'm1' } }]);
    expect(f.remembered.get('t1')).toEqual({ inboxId: 'i1', visitorId: 'visitor-1' });
    // A status change of that ticket reaches the same room.
    await projectToVisitor({ type: 'ticket.updated', seq: 3, at: '2026-01-01T00:00:00.000Z', scope, change: 'status', ticket: { ...summary, status: 'solved' } }, f.rooms);
    expect(f.emitted[1]).toEqual({ room: { inboxId: 'i1', visitorId: 'visitor-1' }, payload: { ticket: { number: 7, status: 'solved' } } });
  });

  it('agent replies, other channels and anything before the sockets exist reach no visitor and read nothing', async () => {
    const f = fakeRooms();
    await projectToVisitor(message('outbound'), f.rooms);
    await projectToVisitor({ type: 'ticket.updated', seq: 3, at: '2026-01-01T00:00:00.000Z', scope, change: 'priority', ticket: { ...summary, channel: 'sms' } }, f.rooms);
    expect(f.emitted).toEqual([]);
    expect(f.lookups()).toBe(0);
    expect(f.mergedLookups).toEqual([]);
    const detached = fakeRooms(false);
    await projectToVisitor(message('inbound'), detached.rooms);
    await projectToVisitor({ type: 'ticket.updated', seq: 3, at: '2026-01-01T00:00:00.000Z', scope, change: 'status', ticket: summary }, detached.rooms);
    expect(detached.emitted).toEqual([]);
    expect(detached.lookups()).toBe(0);
  });

  it("after a merge: the merged-away visitor's message is acknowledged to them (not to the target's visitor), with the target's number", async () => {
    const f = fakeRooms();
    const event = message('inbound') as Extract<DomainEvent, { type: 'message.created' }>;
    // Visitor 2's message went to ticket t1 (visitor 1's) after the merge.
    await projectToVisitor({ ...event, from: { inboxId: 'i1', conversationId: 'visitor-2' } }, f.rooms);
    expect(f.emitted).toEqual([{ room: { inboxId: 'i1', visitorId: 'visitor-2' }, payload: { ticket: { number: 7, status: 'new' }, accepted: 'm1' } }]);
    // t1's room is not taught from another visitor's message.
    expect(f.remembered.has('t1')).toBe(false);
  });

  it("a merge shows the merged-away ticket's visitor the target's number; the target's later status changes reach them too", async () => {
    const f = fakeRooms();
    f.remembered.set('t2', { inboxId: 'i1', visitorId: 'visitor-2' });
    f.rooms.shownTicket = async (id) => (id === 't2' ? { number: 7, status: 'open' } : null);
    const source = { ...summary, id: 't2', number: 9, status: 'closed' };
    await projectToVisitor({ type: 'ticket.updated', seq: 4, at: '2026-01-01T00:00:00.000Z', scope: { ...scope, ticketId: 't2' }, change: 'merged', ticket: source }, f.rooms);
    expect(f.emitted).toEqual([{ room: { inboxId: 'i1', visitorId: 'visitor-2' }, payload: { ticket: { number: 7, status: 'open' } } }]);
    // The target (an email ticket here) changes status: the visitor merged into it is told.
    f.merged.set('t1', [{ inboxId: 'i1', visitorId: 'visitor-2' }]);
    await projectToVisitor({ type: 'ticket.updated', seq: 5, at: '2026-01-01T00:00:00.000Z', scope, change: 'status', ticket: { ...summary, channel: 'email', status: 'solved' } }, f.rooms);
    expect(f.emitted[1]).toEqual({ room: { inboxId: 'i1', visitorId: 'visitor-2' }, payload: { ticket: { number: 7, status: 'solved' } } });
    expect(f.mergedLookups).toEqual([
      { ticketId: 't2', refresh: true },
      { ticketId: 't1', refresh: false },
    ]);
  });

  it('a rating request and its answer reach the visitor room of the ticket, with the ticket number', async () => {
    const f = fakeRooms();
    f.remembered.set('t1', { inboxId: 'i1', visitorId: 'v1' });
    f.rooms.ticketRef = async () => ({ id: 't1', number: 7, status: 'solved', inboxId: 'i1', conversationId: 'v1' });
    await projectToVisitor({ type: 'ticket.csat_requested', seq: 5, at: '2026-01-01T00:00:00.000Z', scope, channel: 'webchat' }, f.rooms);
    await projectToVisitor({ type: 'ticket.csat_rated', seq: 6, at: '2026-01-01T00:00:00.000Z', scope, rating: 4, comment: null }, f.rooms);
    expect(f.emitted).toEqual([
      { room: { inboxId: 'i1', visitorId: 'v1' }, payload: { csat: { ticketNumber: 7, rating: null } } },
      { room: { inboxId: 'i1', visitorId: 'v1' }, payload: { csat: { ticketNumber: 7, rating: 4 } } },
    ]);
  });
});
