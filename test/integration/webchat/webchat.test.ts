import { randomUUID } from 'node:crypto';
import { io as connectClient } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboundMessage } from '../../../src/core/domain/channel-adapter.js';
import { createInbox, createUser, emailEvent } from '../../support/test-core.js';
import { startApp, type RunningApp } from '../../e2e/support/start-app.js';
import { modelsOf } from '../../../src/core/models/models-of.js';
import { CustomerConversationService } from '../../../src/core/conversations/customer-conversation.js';
import { until } from '../../support/until.js';

/** The website chat over HTTP and Socket.IO, against the whole app on FerretDB. */
let app: RunningApp;
let admin: Awaited<ReturnType<typeof createUser>>;
const sent: OutboundMessage[] = [];

async function visitor() {
  const res = await fetch(`${app.url}/chat/api/session`);
  expect(res.status).toBe(200);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  expect(cookie).toMatch(/^ponte_visitor=[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
  expect(res.headers.get('set-cookie')).toMatch(/HttpOnly/i);
  return { cookie, id: decodeURIComponent(cookie.split('=')[1]!).split('.')[0]! };
}

const post = (cookie: string, body: unknown, type = 'application/json') =>
  fetch(`${app.url}/chat/api/messages`, { method: 'POST', headers: { 'content-type': type, cookie }, body: typeof body === 'string' ? body : JSON.stringify(body) });


beforeAll(async () => {
  // Many visitors from one address: the new-conversation limits are tested in webchat-limits.test.ts.
  app = await startApp({ WEBCHAT_NEW_PER_ADDRESS: '1000', WEBCHAT_NEW_PER_MINUTE: '1000' });
  admin = await createUser(app.core, 'admin');
});

afterAll(async () => {
  await app?.stop();
});

describe('website chat', () => {
  it('creates the web chat inbox on first start, and only once', async () => {
    const { ensureDefaultWebchatInbox } = await import('../../../src/channels/webchat/default-inbox.js');
    expect(await ensureDefaultWebchatInbox(app.core)).toEqual({ id: app.webchatInboxId, created: false });
    expect((await app.core.inboxes.list()).filter((i) => i.kind === 'webchat')).toHaveLength(1);
  });

  it('a retried POST with the same client message id stores one message', async () => {
    const v = await visitor();
    const body = { clientMessageId: randomUUID(), text: 'retry me', name: 'Rita' };
    const [a, b] = await Promise.all([post(v.cookie, body), post(v.cookie, body)]);
    expect([a.status, b.status]).toEqual([202, 202]);
    expect(((await Promise.all([a.json(), b.json()])) as Array<{ status: string }>).map((r) => r.status).sort()).toEqual(['accepted', 'duplicate']);
    await app.core.ingest.drain();
    expect(await modelsOf(app.core).Message.countDocuments({ text: 'retry me' })).toBe(1);
    const ticket = await modelsOf(app.core).Ticket.findOne({ 'replyTo.conversationId': v.id }).lean();
    expect(ticket).toMatchObject({ channel: 'webchat', subject: 'Web chat with Rita' });
    const contact = await modelsOf(app.core).Contact.findById(ticket!.contactId).lean();
    expect(contact!.identities).toEqual([`visitor:${v.id}`]);
  });

  it('refuses a forged or missing visitor cookie, non-JSON bodies and bad input', async () => {
    const v = await visitor();
    // Another id with the real id's MAC (the first character always changes, so this is never the real id).
    const otherId = `${v.id[0] === 'B' ? 'C' : 'B'}${v.id.slice(1)}`;
    const forged = `ponte_visitor=${encodeURIComponent(`${otherId}.${v.cookie.split('.')[1]}`)}`;
    expect((await post(forged, { clientMessageId: randomUUID(), text: 'x' })).status).toBe(401);
    expect((await post('', { clientMessageId: randomUUID(), text: 'x' })).status).toBe(401);
    expect((await post(v.cookie, 'text=x', 'application/x-www-form-urlencoded')).status).toBe(415);
    expect((await post(v.cookie, { clientMessageId: 'not-a-uuid', text: 'x' })).status).toBe(400);
    expect((await post(v.cookie, { clientMessageId: randomUUID(), text: '   ' })).status).toBe(400);
  });

  it('an unverified email is not an identity key (it cannot attach the chat to that customer)', async () => {
    const v = await visitor();
    expect((await post(v.cookie, { clientMessageId: randomUUID(), text: 'mail claim', email: 'ceo@example.com', name: 'Eve' })).status).toBe(202);
    await app.core.ingest.drain();
    const ticket = await modelsOf(app.core).Ticket.findOne({ 'replyTo.conversationId': v.id }).lean();
    expect(ticket!.subject).toBe('Web chat with Eve <ceo@example.com>');
    const contact = await modelsOf(app.core).Contact.findById(ticket!.contactId).lean();
    expect(contact!.identities).toEqual([`visitor:${v.id}`]);
    expect(contact).toMatchObject({ unverifiedEmail: 'ceo@example.com' });
    expect(contact!.email).toBeUndefined();
  });

  it('a visitor name with line breaks, control or bidi-override characters is stored on one line, as typed otherwise', async () => {
    const v = await visitor();
    const name = 'Bob\r\nBcc: x@example.com\u0000\u202Egnp.exe\t Smith';
    expect((await post(v.cookie, { clientMessageId: randomUUID(), text: 'hi', name })).status).toBe(202);
    expect((await post(v.cookie, { clientMessageId: randomUUID(), text: 'hi', name: '\r\n\u202E' })).status).toBe(400);
    await app.core.ingest.drain();
    const ticket = await modelsOf(app.core).Ticket.findOne({ 'replyTo.conversationId': v.id }).lean();
    const contact = await modelsOf(app.core).Contact.findById(ticket!.contactId).lean();
    expect(contact!.name).toBe('Bob Bcc: x@example.com gnp.exe Smith');
    const message = await modelsOf(app.core).Message.findOne({ ticketId: ticket!._id, direction: 'inbound' }).lean();
    expect(message!.author).toMatchObject({ name: 'Bob Bcc: x@example.com gnp.exe Smith' });
  });

  it("an email that is another contact's is kept as the visitor's unverifiedEmail: the owner is neither joined nor changed", async () => {
    const mail = await createInbox(app.core, 'email');
    await app.core.ingest.accept([emailEvent(String(mail._id), { messageId: '<owner-1@example.com>', from: 'owner@example.com', subject: 'Invoice' })]);
    await app.core.ingest.drain();
    const ownerTicket = (await modelsOf(app.core).Ticket.findOne({ subject: 'Invoice' }).lean())!;
    const ownerBefore = (await modelsOf(app.core).Contact.findById(ownerTicket.contactId).lean())!;
    expect(ownerBefore.identities).toContain('email:owner@example.com');

    const v = await visitor();
    expect((await post(v.cookie, { clientMessageId: randomUUID(), text: 'I am the owner, honest', email: 'Owner@Example.com', name: 'Mallory' })).status).toBe(202);
    await app.core.ingest.drain();
    const ticket = (await modelsOf(app.core).Ticket.findOne({ 'replyTo.conversationId': v.id }).lean())!;
    expect(String(ticket.contactId)).not.toBe(String(ownerBefore._id));
    const mine = (await modelsOf(app.core).Contact.findById(ticket.contactId).lean())!;
    expect(mine.identities).toEqual([`visitor:${v.id}`]);
    expect(mine).toMatchObject({ unverifiedEmail: 'owner@example.com', name: 'Mallory' });
    expect(mine.email).toBeUndefined();
    // The owner: same identities, email, name and no unverified address; no ticket of the visitor's.
    const ownerAfter = (await modelsOf(app.core).Contact.findById(ownerBefore._id).lean())!;
    expect(ownerAfter).toEqual(ownerBefore);
    expect(await modelsOf(app.core).Ticket.countDocuments({ contactId: ownerBefore._id })).toBe(1);
    expect(await modelsOf(app.core).ContactIdentity.countDocuments({ contactId: ticket.contactId })).toBe(1);

    // A later message with another address (the resolver's cache in between) updates the visitor's own contact only.
    expect((await post(v.cookie, { clientMessageId: randomUUID(), text: 'typo, sorry', email: 'mallory@example.org' })).status).toBe(202);
    await app.core.ingest.drain();
    expect((await modelsOf(app.core).Contact.findById(ticket.contactId).lean())).toMatchObject({ unverifiedEmail: 'mallory@example.org' });
    expect(await modelsOf(app.core).Contact.findById(ownerBefore._id).lean()).toEqual(ownerBefore);
  });

  it('replies reach the visitor socket live; notes are never handed to the adapter; history hides notes; other visitors see nothing', async () => {
    const v = await visitor();
    const other = await visitor();
    expect((await post(v.cookie, { clientMessageId: randomUUID(), text: 'need help' })).status).toBe(202);
    await app.core.ingest.drain();
    const ticket = (await modelsOf(app.core).Ticket.findOne({ 'replyTo.conversationId': v.id }).lean())!;

    const sock = connectClient(`${app.url}/visitor`, { transports: ['websocket'], extraHeaders: { cookie: v.cookie }, auth: { inboxId: app.webchatInboxId }, forceNew: true, reconnection: false });
    const otherSock = connectClient(`${app.url}/visitor`, { transports: ['websocket'], extraHeaders: { cookie: other.cookie }, auth: { inboxId: app.webchatInboxId }, forceNew: true, reconnection: false });
    const got: any[] = [];
    const otherGot: any[] = [];
    sock.on('message', (m: any, ack: (ok: boolean) => void) => {
      got.push(m);
      ack(true);
    });
    otherSock.on('message', (m: any) => otherGot.push(m));
    await Promise.all([sock, otherSock].map((s) => new Promise<void>((r) => s.once('connect', () => r()))));

    // Record every OutboundMessage the core hands to the running web chat adapter.
    const running = app.channels.adapterFor(app.webchatInboxId)!;
    const send = running.send.bind(running);
    running.send = (out: OutboundMessage) => (sent.push(out), send(out));

    await app.core.compose.note(admin, String(ticket._id), { text: 'NOTE: VIP, do not tell the customer', attachments: [] });
    await app.core.compose.reply(admin, String(ticket._id), { text: 'Hello from support', attachments: [] });
    const reply = await until(() => got.find((m) => m.text === 'Hello from support'));
    expect(reply.ticketNumber).toBe(ticket.number);
    expect(reply.authorName).toBe(admin.name); // the visitor sees who answered
    await until(async () => (await modelsOf(app.core).Message.findOne({ text: 'Hello from support' }).lean())?.delivery.status === 'delivered');
    // A later reply reaching the visitor is the signal that anything sent before it has arrived too.
    await app.core.compose.reply(admin, String(ticket._id), { text: 'Fence reply', attachments: [] });
    await until(() => got.find((m) => m.text === 'Fence reply'));
    expect(sent.map((o) => o.text)).toEqual(['Hello from support', 'Fence reply']);
    expect(got.map((m) => m.text)).toEqual(['Hello from support', 'Fence reply']);
    expect(otherGot).toEqual([]);

    const history: any = await (await fetch(`${app.url}/chat/api/session`, { headers: { cookie: v.cookie } })).json();
    expect(history.ticket.number).toBe(ticket.number);
    expect(history.messages.map((m: any) => m.text)).toEqual(['need help', 'Hello from support', 'Fence reply']);
    expect(history.messages.map((m: any) => m.authorName)).toEqual([null, admin.name, admin.name]);
    // The default inbox keeps the built-in title and greeting: the page shows its own, in the visitor's language.
    expect(history.inbox).toMatchObject({ title: null, greeting: null });
    const otherHistory: any = await (await fetch(`${app.url}/chat/api/session`, { headers: { cookie: other.cookie } })).json();
    expect(otherHistory).toMatchObject({ ticket: null, messages: [] });
    sock.disconnect();
    otherSock.disconnect();
  });

  it('a visitor with two tabs, one of them frozen (never answers): the reply shown in the other still counts as delivered', async () => {
    const v = await visitor();
    expect((await post(v.cookie, { clientMessageId: randomUUID(), text: 'two tabs open' })).status).toBe(202);
    await app.core.ingest.drain();
    const ticket = (await modelsOf(app.core).Ticket.findOne({ 'replyTo.conversationId': v.id }).lean())!;
    const open = () => connectClient(`${app.url}/visitor`, { transports: ['websocket'], extraHeaders: { cookie: v.cookie }, auth: { inboxId: app.webchatInboxId }, forceNew: true, reconnection: false });
    const live = open();
    // A tab the browser froze (a background tab on a phone): connected, but its page runs no handler.
    const frozen = open();
    const got: any[] = [];
    live.on('message', (m: any, ack: (ok: boolean) => void) => {
      got.push(m);
      ack(true);
    });
    await Promise.all([live, frozen].map((s) => new Promise<void>((r) => s.once('connect', () => r()))));
    const reply = await app.core.compose.reply(admin, String(ticket._id), { text: 'Seen in one tab', attachments: [] });
    await until(() => got.find((m) => m.text === 'Seen in one tab'));
    // The frozen tab's silence ends the broadcast's 5 s wait with an error; the live tab's answer is what counts.
    const stored = await until(async () => {
      const m = await modelsOf(app.core).Message.findById(reply._id).lean();
      return m?.delivery.status === 'delivered' ? m : undefined;
    }, 12_000);
    expect(stored.delivery.status).toBe('delivered');
    live.disconnect();
    frozen.disconnect();
  });

  it('a visitor flooding `typing` reaches the agents as changes plus a refresh at most every 1.5 s; the ticket is looked up once', async () => {
    const v = await visitor();
    expect((await post(v.cookie, { clientMessageId: randomUUID(), text: 'typing test' })).status).toBe(202);
    await app.core.ingest.drain();
    const ticket = (await modelsOf(app.core).Ticket.findOne({ 'replyTo.conversationId': v.id }).lean())!;
    const { token } = await app.core.sessions.login(admin.email, admin.password, '127.0.0.1');
    const agent = connectClient(app.url, { transports: ['websocket'], extraHeaders: { cookie: `ponte_session=${encodeURIComponent(token)}` }, forceNew: true, reconnection: false });
    const seen: boolean[] = [];
    agent.on('visitor:typing', (e: { ticketId: string; typing: boolean }) => void (e.ticketId === String(ticket._id) && seen.push(e.typing)));
    await new Promise<void>((r) => agent.once('connect', () => r()));
    expect(await agent.timeout(5000).emitWithAck('ticket:join', { ticketId: String(ticket._id) })).toMatchObject({ ok: true });

    const conversations = app.webchat.channel.conversations;
    const currentTicket = conversations.currentTicket.bind(conversations);
    let lookups = 0;
    conversations.currentTicket = (...args) => (lookups++, currentTicket(...args));
    const sock = connectClient(`${app.url}/visitor`, { transports: ['websocket'], extraHeaders: { cookie: v.cookie }, auth: { inboxId: app.webchatInboxId }, forceNew: true, reconnection: false });
    try {
      await new Promise<void>((r) => sock.once('connect', () => r()));
      for (let i = 0; i < 300; i++) sock.emit('typing', { typing: true });
      await until(() => seen.length >= 1);
      sock.emit('typing', { typing: false });
      await until(() => seen.length >= 2);
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).toEqual([true, false]);
      expect(lookups).toBe(1);
      // Still typing after a pause: relayed again, so the console's indicator does not lapse.
      await new Promise((r) => setTimeout(r, 1600));
      sock.emit('typing', { typing: false });
      sock.emit('typing', { typing: true });
      sock.emit('typing', { typing: true });
      await until(() => seen.length >= 4);
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).toEqual([true, false, false, true]);
    } finally {
      conversations.currentTicket = currentTicket;
      sock.disconnect();
      agent.disconnect();
    }
  });

  it("the chat page shows the whole conversation across a closed ticket and its follow-up, with the follow-up's number", async () => {
    const v = await visitor();
    const session = async () => (await fetch(`${app.url}/chat/api/session`, { headers: { cookie: v.cookie } })).json() as Promise<any>;
    expect(await session()).toMatchObject({ ticket: null, messages: [] });
    expect((await post(v.cookie, { clientMessageId: randomUUID(), text: 'first question' })).status).toBe(202);
    await app.core.ingest.drain();
    const first = (await modelsOf(app.core).Ticket.findOne({ 'replyTo.conversationId': v.id }).lean())!;
    await app.core.compose.reply(admin, String(first._id), { text: 'answered', attachments: [] });
    await app.core.tickets.setStatus(admin, String(first._id), 'closed');
    expect((await post(v.cookie, { clientMessageId: randomUUID(), text: 'second question' })).status).toBe(202);
    await app.core.ingest.drain();
    const tickets = await modelsOf(app.core).Ticket.find({ 'replyTo.conversationId': v.id }).sort({ createdAt: 1 }).lean();
    expect(tickets).toHaveLength(2);
    const page = await session();
    expect(page.ticket.number).toBe(tickets[1]!.number);
    expect(page.messages.map((m: any) => m.text)).toEqual(['first question', 'answered', 'second question']);
  });

  it("merge isolation: after X's ticket is merged into Y's, each visitor's chat shows only their own messages and replies", async () => {
    const x = await visitor();
    const y = await visitor();
    const history = async (cookie: string) =>
      ((await (await fetch(`${app.url}/chat/api/session`, { headers: { cookie } })).json()) as { messages: Array<{ text: string }> }).messages.map((m) => m.text);
    const ticketOf = async (id: string) => (await modelsOf(app.core).Ticket.findOne({ 'replyTo.conversationId': id }).lean())!;
    expect((await post(x.cookie, { clientMessageId: randomUUID(), text: 'x: my order is late' })).status).toBe(202);
    expect((await post(y.cookie, { clientMessageId: randomUUID(), text: 'y: same order problem' })).status).toBe(202);
    await app.core.ingest.drain();
    const [xTicket, yTicket] = [await ticketOf(x.id), await ticketOf(y.id)];
    await app.core.compose.reply(admin, String(xTicket._id), { text: 'to x: checking', attachments: [] });
    await app.core.compose.reply(admin, String(yTicket._id), { text: 'to y: checking', attachments: [] });
    await app.core.tickets.merge(admin, String(xTicket._id), String(yTicket._id));

    const xSock = connectClient(`${app.url}/visitor`, { transports: ['websocket'], extraHeaders: { cookie: x.cookie }, auth: { inboxId: app.webchatInboxId }, forceNew: true, reconnection: false });
    const xGot: any[] = [];
    xSock.on('message', (m: any, ack: (ok: boolean) => void) => (xGot.push(m), ack(true)));
    await new Promise<void>((r) => xSock.once('connect', () => r()));
    try {
      // X writes again: the message joins Y's ticket (the merge target).
      expect((await post(x.cookie, { clientMessageId: randomUUID(), text: 'x: any news?' })).status).toBe(202);
      await app.core.ingest.drain();
      const moved = (await modelsOf(app.core).Message.findOne({ text: 'x: any news?' }).lean())!;
      expect(String(moved.ticketId)).toBe(String(yTicket._id));
      // The agent answers Y by choosing them; a reply without a recipient goes to X, who wrote last — live, with Y's number.
      await app.core.compose.reply(admin, String(yTicket._id), { text: 'to y: shipped', attachments: [], recipientId: String(yTicket._id) });
      await app.core.compose.reply(admin, String(yTicket._id), { text: 'to x: yours too', attachments: [] });
      const live = await until(() => xGot.find((m) => m.text === 'to x: yours too'));
      expect(live.ticketNumber).toBe(yTicket.number);
      // Only X's replies reach X live ('to x: checking' too when its delivery job ran after X connected).
      expect(xGot.map((m) => m.text).filter((t) => t !== 'to x: checking')).toEqual(['to x: yours too']);
    } finally {
      xSock.disconnect();
    }

    expect(await history(x.cookie)).toEqual(['x: my order is late', 'to x: checking', 'x: any news?', 'to x: yours too']);
    expect(await history(y.cookie)).toEqual(['y: same order problem', 'to y: checking', 'to y: shipped']);
    // After a reload X's page shows the ticket their conversation now belongs to.
    const xPage: any = await (await fetch(`${app.url}/chat/api/session`, { headers: { cookie: x.cookie } })).json();
    expect(xPage.ticket.number).toBe(yTicket.number);
    // The hub (embedded database) read those histories through thread entries; the query gives the same
    // messages in the same order (their delivery ticks may move between the two reads: left out).
    const byQuery = new CustomerConversationService(modelsOf(app.core), async () => false);
    const byEntries = new CustomerConversationService(modelsOf(app.core), async () => true);
    const shape = (h: Awaited<ReturnType<typeof byQuery.history>>) => ({ ticket: h.ticket, messages: h.messages.map(({ deliveryStatus: _d, ...m }) => m) });
    for (const v of [x, y]) expect(shape(await byEntries.history(app.webchatInboxId, v.id))).toEqual(shape(await byQuery.history(app.webchatInboxId, v.id)));
  });

  it("a merge of X's ticket into Y's tells X's open chat the new number, and X's messages are acknowledged to X", async () => {
    const x = await visitor();
    const y = await visitor();
    const ticketOf = async (id: string) => (await modelsOf(app.core).Ticket.findOne({ 'replyTo.conversationId': id }).lean())!;
    expect((await post(x.cookie, { clientMessageId: randomUUID(), text: 'x: refund please' })).status).toBe(202);
    expect((await post(y.cookie, { clientMessageId: randomUUID(), text: 'y: refund too' })).status).toBe(202);
    await app.core.ingest.drain();
    const [xTicket, yTicket] = [await ticketOf(x.id), await ticketOf(y.id)];
    const connect = (cookie: string) =>
      connectClient(`${app.url}/visitor`, { transports: ['websocket'], extraHeaders: { cookie }, auth: { inboxId: app.webchatInboxId }, forceNew: true, reconnection: false });
    const [xSock, ySock] = [connect(x.cookie), connect(y.cookie)];
    const xConv: any[] = [];
    const yConv: any[] = [];
    xSock.on('conversation', (c: any) => xConv.push(c));
    ySock.on('conversation', (c: any) => yConv.push(c));
    await Promise.all([xSock, ySock].map((s) => new Promise<void>((r) => s.once('connect', () => r()))));
    try {
      await app.core.tickets.merge(admin, String(xTicket._id), String(yTicket._id));
      await until(() => xConv.find((c) => c.ticket.number === yTicket.number));
      const clientMessageId = randomUUID();
      expect((await post(x.cookie, { clientMessageId, text: 'x: after the merge' })).status).toBe(202);
      await app.core.ingest.drain();
      const accepted = await until(() => xConv.find((c) => c.accepted));
      expect(accepted.ticket.number).toBe(yTicket.number);
      // Y's page is told nothing about X's message (a later status change of Y's ticket is the fence).
      await app.core.tickets.setStatus(admin, String(yTicket._id), 'pending');
      await until(() => yConv.find((c) => c.ticket.status === 'pending'));
      await until(() => xConv.find((c) => c.ticket.status === 'pending'));
      expect(yConv.filter((c) => c.accepted)).toEqual([]);
      expect(xConv.every((c) => c.ticket.number === yTicket.number)).toBe(true);
    } finally {
      xSock.disconnect();
      ySock.disconnect();
    }
  });

  it("an agent's reply typing reaches the merged-away visitor it is for, never the visitor of a ticket not merged into this one", async () => {
    const [x, y, z] = [await visitor(), await visitor(), await visitor()];
    for (const [v, text] of [[x, 'x: typing test'], [y, 'y: typing test'], [z, 'z: typing test']] as const) {
      expect((await post(v.cookie, { clientMessageId: randomUUID(), text })).status).toBe(202);
    }
    await app.core.ingest.drain();
    const ticketOf = async (id: string) => (await modelsOf(app.core).Ticket.findOne({ 'replyTo.conversationId': id }).lean())!;
    const [xTicket, yTicket, zTicket] = [await ticketOf(x.id), await ticketOf(y.id), await ticketOf(z.id)];
    await app.core.tickets.merge(admin, String(xTicket._id), String(yTicket._id));

    const { token } = await app.core.sessions.login(admin.email, admin.password, '127.0.0.1');
    const agent = connectClient(app.url, { transports: ['websocket'], extraHeaders: { cookie: `ponte_session=${encodeURIComponent(token)}` }, forceNew: true, reconnection: false });
    const connect = (cookie: string) =>
      connectClient(`${app.url}/visitor`, { transports: ['websocket'], extraHeaders: { cookie }, auth: { inboxId: app.webchatInboxId }, forceNew: true, reconnection: false });
    const socks = { x: connect(x.cookie), y: connect(y.cookie), z: connect(z.cookie) };
    const seen: Record<string, boolean[]> = { x: [], y: [], z: [] };
    for (const [k, s] of Object.entries(socks)) s.on('typing', (e: { typing: boolean }) => seen[k]!.push(e.typing));
    try {
      await Promise.all([agent, ...Object.values(socks)].map((s) => new Promise<void>((r) => s.once('connect', () => r()))));
      expect(await agent.timeout(5000).emitWithAck('ticket:join', { ticketId: String(yTicket._id) })).toMatchObject({ ok: true });
      const type = (typing: boolean, recipientId: string) => agent.timeout(5000).emitWithAck('typing', { ticketId: String(yTicket._id), mode: 'reply', typing, recipientId });
      // Z's ticket was never merged into Y's: naming it as the recipient reaches nobody.
      expect(await type(true, String(zTicket._id))).toMatchObject({ ok: true });
      expect(await type(true, String(xTicket._id))).toMatchObject({ ok: true });
      await until(() => seen.x!.length >= 1);
      expect(await type(false, String(xTicket._id))).toMatchObject({ ok: true });
      await until(() => seen.x!.length >= 2);
      expect(seen).toEqual({ x: [true, false], y: [], z: [] });
    } finally {
      agent.disconnect();
      for (const s of Object.values(socks)) s.disconnect();
    }
  });

  it('limits each visitor: 20 messages per 10 s, 30 page loads per minute (429 with Retry-After); others are not affected', async () => {
    const v = await visitor(); // the first visit (no cookie yet) is not a returning visitor's load
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await post(v.cookie, { clientMessageId: randomUUID(), text: `flood ${i}` })).status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(20);
    const refused = await post(v.cookie, { clientMessageId: randomUUID(), text: 'one more' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await app.core.ingest.drain();
    expect(await modelsOf(app.core).Message.countDocuments({ text: /^flood / })).toBe(20);

    const load = (cookie?: string) => fetch(`${app.url}/chat/api/session`, { headers: cookie ? { cookie } : {} });
    const loads: number[] = [];
    for (let i = 0; i < 30; i++) loads.push((await load(v.cookie)).status);
    expect(loads.filter((s) => s === 200)).toHaveLength(30);
    const tooMany = await load(v.cookie);
    expect(tooMany.status).toBe(429);
    expect(await tooMany.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    // Another visitor, and a first visit, are served.
    expect((await load((await visitor()).cookie)).status).toBe(200);
    expect((await load()).status).toBe(200);
  });

  it('refuses a visitor socket without a valid cookie or for an unknown inbox', async () => {
    const v = await visitor();
    for (const [cookie, inboxId] of [
      ['', app.webchatInboxId],
      ['ponte_visitor=abc.def', app.webchatInboxId],
      [v.cookie, '0123456789abcdef01234567'],
    ] as const) {
      const s = connectClient(`${app.url}/visitor`, { transports: ['websocket'], extraHeaders: cookie ? { cookie } : {}, auth: { inboxId }, forceNew: true, reconnection: false });
      const err = await new Promise<any>((resolve) => {
        s.once('connect', () => resolve(null));
        s.once('connect_error', resolve);
      });
      expect(err?.message).toMatch(/UNAUTHENTICATED|NOT_FOUND/);
      s.disconnect();
    }
  });

  it('canned responses: supervisors manage them over /api/canned-responses, agents list theirs', async () => {
    const session = async (u: { email: string; password: string }) => {
      const res = await fetch(`${app.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: app.url }, body: JSON.stringify({ email: u.email, password: u.password }) });
      expect(res.status).toBe(200);
      return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    };
    const agent = await createUser(app.core, 'agent');
    const [adminCookie, agentCookie] = [await session(admin), await session(agent)];
    const create = (cookie: string, body: unknown) =>
      fetch(`${app.url}/api/canned-responses`, { method: 'POST', headers: { 'content-type': 'application/json', origin: app.url, cookie }, body: JSON.stringify(body) });
    const hello = { shortcut: 'Hello', title: 'Greeting', body: 'Hi {{contact.name}}, ticket #{{ticket.number}}' };
    expect((await create(adminCookie, hello)).status).toBe(201);
    expect((await create(adminCookie, hello)).status).toBe(409);
    expect((await create(agentCookie, { ...hello, shortcut: 'mine' })).status).toBe(403);
    const list: any = await (await fetch(`${app.url}/api/canned-responses`, { headers: { cookie: agentCookie } })).json();
    expect(list.items).toEqual([expect.objectContaining({ shortcut: 'hello', title: 'Greeting' })]);
  });
});
