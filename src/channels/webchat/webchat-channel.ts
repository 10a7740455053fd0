import type { Logger } from 'pino';
import type { Namespace, Server, Socket } from 'socket.io';
import { z } from 'zod';
import type { Core } from '../../core/create-core.js';
import { CustomerConversationService } from '../../core/conversations/customer-conversation.js';
import type { ChannelContext, OutboundMessage, SendResult } from '../../core/domain/channel-adapter.js';
import { ChannelError } from '../../core/errors/app-error.js';
import { webchatAdapterFactory } from './adapter.js';
import { readCookie, VISITOR_COOKIE, VisitorIds } from './visitor-cookie.js';
import { TypingThrottle } from './typing-throttle.js';
import { clientAddress } from '../../core/net/client-address.js';
import { QuietLog } from '../../core/logging/quiet-log.js';
import { VisitorSocketCaps } from './visitor-socket-caps.js';
import { DeliveredMessages } from './delivered-messages.js';
import type { VisitorRoom, VisitorRooms } from './visitor-projector.js';

/** What the web chat needs from the core: ingest, inbox lookup, the event bus and blob reads. */
export type WebchatCore = Pick<Core, 'ingest' | 'inboxes' | 'bus' | 'blobs' | 'conversations' | 'config' | 'csat'> & Partial<Pick<Core, 'assignment'>>;

export interface VisitorReply {
  id: string;
  text: string;
  at: string;
  ticketNumber: number;
  /** The agent who answered (null: a message of Ponte's own). */
  authorName: string | null;
  attachments: Array<{ index: number; fileName: string; mimeType: string; size: number }>;
}

/** The answer to a visitor event's ack. */
export type VisitorAck = { ok: true } | { ok: false; error: { code: 'VALIDATION_FAILED' | 'INTERNAL'; message: string } };

const TypingSchema = z.object({ typing: z.boolean() });
const ReadSchema = z.object({ ids: z.array(z.string().regex(/^[0-9a-f]{24}$/i)).max(200) });
const AuthSchema = z.object({ inboxId: z.string().regex(/^[0-9a-f]{24}$/i) });

const room = (inboxId: string, visitorId: string) => `v:${inboxId}:${visitorId}`;

/** A visitor typing before their first message has no ticket yet: how often we look again. */
const TYPING_LOOKUP_MS = 5_000;
/** The chat page repeats "typing" every 2 s while the visitor types (the console lets it lapse after 8 s). */
const TYPING_REPEAT_MS = 1_500;
/** Visitor typing relays at most this often (see typing-throttle.ts): a person changes state a few times a second at most. */
const TYPING_MIN_GAP_MS = 200;
/** How long the visitors of tickets merged into a ticket are remembered (a merge in another hub process). */
const MERGED_ROOMS_TTL_MS = 30_000;

/**
 * The website chat channel: adapters per webchat inbox, the `/visitor`
 * Socket.IO namespace (authenticated by the signed visitor cookie) that
 * delivers agent replies and typing live, and the visitor's read receipts.
 * Agent replies reach the visitor only through `send()` — which the core
 * never calls for internal notes. The adapter contract is `adapter.ts`; what
 * visitors see of domain events is `visitor-projector.ts` (wired in create-webchat.ts).
 */
export class WebchatChannel implements VisitorRooms {
  readonly visitors: VisitorIds;
  readonly conversations: CustomerConversationService;
  private nsp: Namespace | undefined;
  private readonly contexts = new Map<string, ChannelContext>();
  /** ticketId → visitor room, for typing relays and conversation updates. */
  private readonly ticketRooms = new Map<string, { inboxId: string; visitorId: string } | null>();
  /** ticketId → rooms of the web chat visitors whose tickets were merged into it (see `mergedRooms`). */
  private readonly mergedRoomsOf = new Map<string, { at: number; rooms: VisitorRoom[] }>();
  /** Messages delivered per visitor room: only those may be marked read by that visitor. */
  private readonly delivered = new DeliveredMessages();
  private onVisitorTyping: ((ticketId: string, typing: boolean) => void) | undefined;
  /** Undone by `close` (the visitor projector's bus subscription, the queue listener). */
  private readonly closers: Array<() => void> = [];
  /** Live visitor sockets per visitor and per client address (see visitor-socket-caps.ts). */
  readonly socketCaps: VisitorSocketCaps;
  /** A refused reconnect loop is logged once a minute per visitor or address, not once per attempt. */
  private readonly refusals: QuietLog;

  constructor(
    private readonly core: WebchatCore,
    secret: string,
    private readonly logger: Logger,
  ) {
    this.visitors = new VisitorIds(secret);
    this.conversations = core.conversations;
    this.socketCaps = new VisitorSocketCaps({ perVisitor: core.config.webchat.socketsPerVisitor, perAddress: core.config.webchat.socketsPerAddress, retrySeconds: core.config.webchat.socketRetrySeconds });
    this.refusals = new QuietLog(logger, 60_000);
  }

  /** A ChannelRuntime factory for kind `webchat` (see adapter.ts). */
  readonly adapterFactory = webchatAdapterFactory(this);

  /** Replies delivered and not yet read, held in this process (see delivered-messages.ts). */
  get deliveredUnread(): { rooms: number; messages: number } {
    return this.delivered.size;
  }

  get socketsAttached(): boolean {
    return this.nsp !== undefined;
  }

  register(inboxId: string, ctx: ChannelContext): void {
    this.contexts.set(inboxId, ctx);
  }

  unregister(inboxId: string): void {
    this.contexts.delete(inboxId);
  }

  /** Runs `fn` when the channel closes. */
  closeWith(fn: () => void): void {
    this.closers.push(fn);
  }

  /** Called once the Socket.IO server exists; `onVisitorTyping` shows "typing…" to the agents on the ticket. */
  attachSockets(io: Server, onVisitorTyping?: (ticketId: string, typing: boolean) => void): void {
    this.onVisitorTyping = onVisitorTyping;
    const nsp = io.of('/visitor');
    nsp.use((socket, next) => {
      const visitorId = this.visitors.verify(readCookie(socket.request.headers.cookie, VISITOR_COOKIE));
      const auth = AuthSchema.safeParse(socket.handshake.auth);
      if (!visitorId || !auth.success) return next(Object.assign(new Error('UNAUTHENTICATED'), { data: { code: 'UNAUTHENTICATED' } }));
      this.core.inboxes
        .get(auth.data.inboxId)
        .then((inbox) => {
          if (inbox.kind !== 'webchat' || !inbox.enabled) throw new Error('not a webchat inbox');
          // Gone while the inbox was read: socket.io drops the socket without a disconnect, which would keep its place.
          if (socket.conn.readyState !== 'open') return next(new Error('GONE'));
          const address = clientAddress(socket.request, this.core.config.auth.trustProxy);
          const place = this.socketCaps.admit(visitorId, address);
          if ('refused' in place) {
            const { scope } = place.refused;
            this.refusals.info(`${scope}:${scope === 'visitor' ? visitorId : address}`, { visitorId, address, inboxId: inbox.id, ...place.refused }, 'web chat socket refused: too many connections');
            return next(Object.assign(new Error(place.refused.code), { data: place.refused }));
          }
          socket.data.visitorId = visitorId;
          socket.data.inboxId = inbox.id;
          socket.data.release = place.release;
          // A socket that never reaches `connection` (the connection closed in between) gives its place back here.
          socket.conn.once('close', place.release);
          next();
        })
        .catch(() => next(Object.assign(new Error('NOT_FOUND'), { data: { code: 'NOT_FOUND' } })));
    });
    nsp.on('connection', (socket) => this.onVisitor(socket));
    this.nsp = nsp;
    // Place in the queue and expected wait, told to the visitor as the queue moves.
    const stopQueue = this.core.assignment?.onQueueChange((st) => {
      void this.tellQueue(st.ticketId, st.position, st.expectedWaitSeconds).catch((err: unknown) => this.logger.warn({ err }, 'queue position not told'));
    });
    if (stopQueue) this.closers.push(stopQueue);
    // Adapters started before the sockets existed reported `degraded`.
    for (const ctx of this.contexts.values()) void ctx.reportHealth({ status: 'ok' }).catch(() => undefined);
  }

  /** The web chat agent replies: straight to the visitor's open tabs; history covers a closed tab. */
  async send(out: OutboundMessage): Promise<SendResult> {
    if (!this.nsp) throw new ChannelError('CHANNEL_UNAVAILABLE', 'Visitor sockets are not attached yet', true);
    // The visitor the reply is addressed to: after a merge of two visitors' tickets it need not be the
    // ticket's own, so the ticket → room map is not taught from here (`roomOf` reads the ticket's own).
    const target = room(out.inboxId, out.to.handle);
    const reply: VisitorReply = {
      id: out.messageId,
      text: out.text,
      at: new Date().toISOString(),
      ticketNumber: out.ticketNumber,
      authorName: out.authorName ?? null,
      attachments: out.attachments.map((a, index) => ({ index, fileName: a.fileName, mimeType: a.mimeType, size: a.size })),
    };
    const sentAt = new Date();
    const providerMessageId = `webchat-out:${out.messageId}`;
    this.nsp
      .to(target)
      .timeout(5000)
      .emit('message', reply, (_err: Error | null, acks: unknown[]) => {
        // One tab's answer is enough: a tab that never answers (frozen in the background) ends the wait with an
        // error, and the reply shown in the others was delivered all the same (5 s later than with one tab).
        if (acks.length === 0) return;
        this.delivered.add(target, out.messageId);
        // Usually after the worker has recorded the provider id; a receipt that comes first waits for it
        // (IngestService.messageKnown).
        setTimeout(() => void this.status(out.inboxId, out.messageId, 'delivered'), 250).unref();
      });
    return { providerMessageId, sentAt };
  }

  private async status(inboxId: string, messageId: string, status: 'delivered' | 'read') {
    const ctx = this.contexts.get(inboxId);
    const event = {
      type: 'message.status' as const,
      providerKey: `webchat-${status}:${messageId}`,
      inboxId,
      occurredAt: new Date(),
      providerMessageId: `webchat-out:${messageId}`,
      status,
    };
    try {
      if (ctx) await ctx.emit([event]);
      else await this.core.ingest.accept([event]);
    } catch (err) {
      this.logger.warn({ err, messageId, status }, 'web chat receipt not stored');
    }
  }

  private onVisitor(socket: Socket) {
    const { visitorId, inboxId, release } = socket.data as { visitorId: string; inboxId: string; release: () => void };
    const target = room(inboxId, visitorId);
    void socket.join(target);
    let typingTicket: string | undefined;
    // A visitor without a ticket yet is looked up at most once per TYPING_LOOKUP_MS; what it typed meanwhile
    // (the latest state) is relayed once the ticket is known.
    let lookingUp = false;
    let lookedUpAt = -Infinity;
    let latest: boolean | undefined;
    const throttle = new TypingThrottle((typing) => typingTicket && this.onVisitorTyping?.(typingTicket, typing), TYPING_REPEAT_MS, TYPING_MIN_GAP_MS);
    this.handle(socket, 'typing', TypingSchema, async ({ typing }) => {
      if (!this.onVisitorTyping) return;
      if (typingTicket) return throttle.offer(typing);
      latest = typing;
      if (lookingUp || Date.now() - lookedUpAt < TYPING_LOOKUP_MS) return;
      lookingUp = true;
      lookedUpAt = Date.now();
      typingTicket = (await this.conversations.currentTicket(inboxId, visitorId).catch(() => null))?.id;
      lookingUp = false;
      if (typingTicket && socket.connected && latest !== undefined) throttle.offer(latest);
    });
    this.handle(socket, 'read', ReadSchema, ({ ids }) => {
      // Once per message: a page repeating `read` in a loop must not store a receipt per event.
      for (const id of this.delivered.take(target, ids)) void this.status(inboxId, id, 'read');
    });
    socket.on('disconnect', () => {
      // One connection may carry many sockets in turn: its close listener goes with the socket.
      socket.conn.off('close', release);
      release();
      if (!this.nsp?.adapter.rooms.get(target)?.size) this.delivered.disconnected(target);
      throttle.stop();
      if (typingTicket && throttle.typing && this.onVisitorTyping) this.onVisitorTyping(typingTicket, false);
    });
  }

  /**
   * A visitor event: the payload checked (anything may arrive on an anonymous socket), the ack — when the page
   * asked for one — always answered, and a failure logged, never thrown.
   */
  private handle<S extends z.ZodType>(socket: Socket, event: string, schema: S, handler: (input: z.output<S>) => void | Promise<void>): void {
    socket.on(event, (payload: unknown, ack?: unknown) => {
      const reply = typeof ack === 'function' ? (ack as (r: VisitorAck) => void) : () => undefined;
      const parsed = schema.safeParse(payload);
      if (!parsed.success) {
        const message = parsed.error.issues.slice(0, 5).map((i) => `${i.path.slice(0, 5).join('.') || event}: ${i.message}`).join('; ');
        return reply({ ok: false, error: { code: 'VALIDATION_FAILED', message } });
      }
      Promise.resolve()
        .then(() => handler(parsed.data))
        .then(
          () => reply({ ok: true }),
          (err: unknown) => {
            this.logger.error({ err, event, visitorId: socket.data.visitorId as string }, 'web chat socket handler failed');
            reply({ ok: false, error: { code: 'INTERNAL', message: 'Something went wrong' } });
          },
        );
    });
  }

  /** Agent typing a reply on a web chat ticket → "typing…" in the visitor's page. Never called for notes. */
  async agentTyping(ticket: { ticketId: string; channel: string; recipientId?: string }, typing: boolean): Promise<void> {
    if (!this.nsp) return;
    // A reply to the customer of a ticket merged into this one: their page, only if it really was merged here.
    if (ticket.recipientId) {
      if (!(await this.conversations.wasMergedInto(ticket.recipientId, ticket.ticketId))) return;
    } else if (ticket.channel !== 'webchat') return;
    const r = await this.roomOf(ticket.recipientId ?? ticket.ticketId);
    if (r) this.nsp.to(room(r.inboxId, r.visitorId)).emit('typing', { typing });
  }

  async roomOf(ticketId: string): Promise<VisitorRoom | null> {
    if (this.ticketRooms.has(ticketId)) return this.ticketRooms.get(ticketId) ?? null;
    const ref = await this.conversations.ticketRef(ticketId);
    const r = ref && ref.channel === 'webchat' && ref.conversationId ? { inboxId: ref.inboxId, visitorId: ref.conversationId } : null;
    if (this.ticketRooms.size > 10_000) this.ticketRooms.clear();
    this.ticketRooms.set(ticketId, r);
    return r;
  }

  rememberRoom(ticketId: string, r: VisitorRoom): void {
    this.ticketRooms.set(ticketId, r);
  }

  emitConversation(r: VisitorRoom, payload: { ticket: { number: number; status: string }; accepted?: string }): void {
    this.nsp?.to(room(r.inboxId, r.visitorId)).emit('conversation', payload);
  }

  emitCsat(r: VisitorRoom, payload: { ticketNumber: number; rating: number | null }): void {
    this.nsp?.to(room(r.inboxId, r.visitorId)).emit('csat', payload);
  }

  ticketRef(ticketId: string) {
    return this.conversations.ticketRef(ticketId);
  }

  shownTicket(ticketId: string) {
    return this.conversations.shownTicket(ticketId);
  }

  async mergedRooms(ticketId: string, refresh: boolean): Promise<VisitorRoom[]> {
    const cached = this.mergedRoomsOf.get(ticketId);
    // Another hub process may have merged: the remembered list is only trusted for a while.
    if (!refresh && cached && Date.now() - cached.at < MERGED_ROOMS_TTL_MS) return cached.rooms;
    const rooms = (await this.conversations.mergedConversations(ticketId))
      .filter((c) => c.channel === 'webchat')
      .map((c) => ({ inboxId: c.inboxId, visitorId: c.conversationId }));
    if (this.mergedRoomsOf.size > 10_000) this.mergedRoomsOf.clear();
    this.mergedRoomsOf.set(ticketId, { at: Date.now(), rooms });
    return rooms;
  }

  private async tellQueue(ticketId: string, position: number | null, expectedWaitSeconds: number | undefined): Promise<void> {
    if (!this.nsp) return;
    const r = await this.roomOf(ticketId);
    if (r) this.nsp.to(room(r.inboxId, r.visitorId)).emit('queue', { position, expectedWaitSeconds: expectedWaitSeconds ?? null });
  }

  close(): void {
    for (const fn of this.closers.splice(0)) fn();
    this.nsp?.disconnectSockets(true);
  }
}
