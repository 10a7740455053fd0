import type { Logger } from 'pino';
import type { Namespace, Server, Socket } from 'socket.io';
import { z } from 'zod';
import type { Core } from '../../core/create-core.js';
import { CustomerConversationService } from '../../core/conversations/customer-conversation.js';
import type { ChannelAdapter, ChannelContext, ChannelHealth, OutboundMessage, SendResult } from '../../core/domain/channel-adapter.js';
import { ChannelError } from '../../core/errors/app-error.js';
import { readCookie, VISITOR_COOKIE, VisitorIds } from './visitor-cookie.js';

/** What the web chat needs from the core: ingest, inbox lookup, the event bus and blob reads. */
export type WebchatCore = Pick<Core, 'ingest' | 'inboxes' | 'bus' | 'blobs' | 'conversations' | 'config' | 'csat'>;

export interface VisitorReply {
  id: string;
  text: string;
  at: string;
  ticketNumber: number;
  attachments: Array<{ index: number; fileName: string; mimeType: string; size: number }>;
}

const TypingSchema = z.object({ typing: z.boolean() });
const ReadSchema = z.object({ ids: z.array(z.string().regex(/^[0-9a-f]{24}$/i)).max(200) });
const AuthSchema = z.object({ inboxId: z.string().regex(/^[0-9a-f]{24}$/i) });

const room = (inboxId: string, visitorId: string) => `v:${inboxId}:${visitorId}`;

/** A visitor typing before their first message has no ticket yet: how often we look again. */
const TYPING_LOOKUP_MS = 5_000;
/** The chat page repeats "typing" every 2 s while the visitor types (the console lets it lapse after 8 s). */
const TYPING_REPEAT_MS = 1_500;

/**
 * The website chat channel: adapters per webchat inbox, the `/visitor`
 * Socket.IO namespace (authenticated by the signed visitor cookie) that
 * delivers agent replies and typing live, and the visitor's read receipts.
 * Agent replies reach the visitor only through `send()` — which the core
 * never calls for internal notes.
 */
export class WebchatChannel {
  readonly visitors: VisitorIds;
  readonly conversations: CustomerConversationService;
  private nsp: Namespace | undefined;
  private readonly contexts = new Map<string, ChannelContext>();
  /** ticketId → visitor room, for typing relays and conversation updates. */
  private readonly ticketRooms = new Map<string, { inboxId: string; visitorId: string } | null>();
  /** Messages delivered per visitor room: only those may be marked read by that visitor. */
  private readonly delivered = new Map<string, Set<string>>();
  private onVisitorTyping: ((ticketId: string, typing: boolean) => void) | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly core: WebchatCore,
    secret: string,
    private readonly logger: Logger,
  ) {
    this.visitors = new VisitorIds(secret);
    this.conversations = core.conversations;
  }

  /** A ChannelRuntime factory for kind `webchat`. */
  readonly adapterFactory = (inboxId: string): ChannelAdapter => {
    const channel = this;
    return {
      kind: 'webchat',
      async start(ctx) {
        channel.contexts.set(inboxId, ctx);
        await ctx.reportHealth({ status: channel.nsp ? 'ok' : 'degraded', ...(channel.nsp ? {} : { detail: 'visitor sockets not attached yet' }) });
      },
      send: (out) => channel.send(out),
      async checkHealth(): Promise<ChannelHealth> {
        return { status: channel.nsp ? 'ok' : 'degraded', checkedAt: new Date() };
      },
      async stop() {
        channel.contexts.delete(inboxId);
      },
    };
  };

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
          socket.data.visitorId = visitorId;
          socket.data.inboxId = inbox.id;
          next();
        })
        .catch(() => next(Object.assign(new Error('NOT_FOUND'), { data: { code: 'NOT_FOUND' } })));
    });
    nsp.on('connection', (socket) => this.onVisitor(socket));
    this.nsp = nsp;
    this.unsubscribe = this.core.bus.subscribe((e) => this.onDomainEvent(e));
    // Adapters started before the sockets existed reported `degraded`.
    for (const ctx of this.contexts.values()) void ctx.reportHealth({ status: 'ok' }).catch(() => undefined);
  }

  /** The web chat agent replies: straight to the visitor's open tabs; history covers a closed tab. */
  private async send(out: OutboundMessage): Promise<SendResult> {
    if (!this.nsp) throw new ChannelError('CHANNEL_UNAVAILABLE', 'Visitor sockets are not attached yet', true);
    const target = room(out.inboxId, out.to.handle);
    this.ticketRooms.set(out.ticketId, { inboxId: out.inboxId, visitorId: out.to.handle });
    const reply: VisitorReply = {
      id: out.messageId,
      text: out.text,
      at: new Date().toISOString(),
      ticketNumber: out.ticketNumber,
      attachments: out.attachments.map((a, index) => ({ index, fileName: a.fileName, mimeType: a.mimeType, size: a.size })),
    };
    const sentAt = new Date();
    const providerMessageId = `webchat-out:${out.messageId}`;
    this.nsp
      .to(target)
      .timeout(5000)
      .emit('message', reply, (err: Error | null, acks: unknown[]) => {
        if (err || acks.length === 0) return;
        this.remember(target, out.messageId);
        // After the worker has recorded the provider id (the status processor needs it).
        setTimeout(() => void this.status(out.inboxId, out.messageId, 'delivered'), 250).unref();
      });
    return { providerMessageId, sentAt };
  }

  private remember(target: string, messageId: string) {
    const set = this.delivered.get(target) ?? new Set<string>();
    set.add(messageId);
    if (set.size > 500) set.delete(set.values().next().value!);
    this.delivered.set(target, set);
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
    const { visitorId, inboxId } = socket.data as { visitorId: string; inboxId: string };
    const target = room(inboxId, visitorId);
    void socket.join(target);
    let typingTicket: string | undefined;
    // An anonymous socket: a page (or a script) may send `typing` as fast as it likes. A change is relayed
    // at once, the same state again (the page repeats "typing" while the visitor types, and consoles let
    // it lapse after a few seconds) at most every TYPING_REPEAT_MS; a visitor without a ticket yet is
    // looked up at most once per TYPING_LOOKUP_MS.
    let lastTyping: boolean | undefined;
    let relayedAt = -Infinity;
    let lookedUpAt = -Infinity;
    const wanted = (typing: boolean) => typing !== lastTyping || Date.now() - relayedAt >= TYPING_REPEAT_MS;
    socket.on('typing', async (payload: unknown) => {
      const parsed = TypingSchema.safeParse(payload);
      if (!parsed.success || !this.onVisitorTyping || !wanted(parsed.data.typing)) return;
      if (!typingTicket && Date.now() - lookedUpAt >= TYPING_LOOKUP_MS) {
        lookedUpAt = Date.now();
        typingTicket = (await this.conversations.currentTicket(inboxId, visitorId).catch(() => null))?.id;
      }
      if (!typingTicket || !wanted(parsed.data.typing)) return;
      lastTyping = parsed.data.typing;
      relayedAt = Date.now();
      this.onVisitorTyping(typingTicket, lastTyping);
    });
    socket.on('read', (payload: unknown) => {
      const parsed = ReadSchema.safeParse(payload);
      if (!parsed.success) return;
      const mine = this.delivered.get(target);
      for (const id of parsed.data.ids) if (mine?.has(id)) void this.status(inboxId, id, 'read');
    });
    socket.on('disconnect', () => {
      if (typingTicket && lastTyping && this.onVisitorTyping) this.onVisitorTyping(typingTicket, false);
    });
  }

  /** Agent typing a reply on a web chat ticket → "typing…" in the visitor's page. Never called for notes. */
  async agentTyping(ticket: { ticketId: string; channel: string }, typing: boolean): Promise<void> {
    if (ticket.channel !== 'webchat' || !this.nsp) return;
    const r = await this.roomOf(ticket.ticketId);
    if (r) this.nsp.to(room(r.inboxId, r.visitorId)).emit('typing', { typing });
  }

  private async roomOf(ticketId: string) {
    if (this.ticketRooms.has(ticketId)) return this.ticketRooms.get(ticketId) ?? null;
    const ref = await this.conversations.ticketRef(ticketId);
    const r = ref && ref.channel === 'webchat' && ref.conversationId ? { inboxId: ref.inboxId, visitorId: ref.conversationId } : null;
    if (this.ticketRooms.size > 10_000) this.ticketRooms.clear();
    this.ticketRooms.set(ticketId, r);
    return r;
  }

  /** The visitor sees its ticket number as soon as the first message made a ticket, and status changes. */
  private async onDomainEvent(e: Parameters<Parameters<WebchatCore['bus']['subscribe']>[0]>[0]) {
    if (!this.nsp) return;
    if (e.type === 'message.created' && e.message.channel === 'webchat' && e.message.direction === 'inbound') {
      const ref = e.ticket ? { id: e.message.ticketId, ...e.ticket } : await this.conversations.ticketRef(e.message.ticketId);
      if (!ref?.conversationId) return;
      this.ticketRooms.set(ref.id, { inboxId: ref.inboxId, visitorId: ref.conversationId });
      this.nsp.to(room(ref.inboxId, ref.conversationId)).emit('conversation', { ticket: { number: ref.number, status: ref.status }, accepted: e.message.id });
    } else if (e.type === 'ticket.csat_requested' || e.type === 'ticket.csat_rated') {
      // The rating buttons appear (or show the answer given) in the visitor's open tabs.
      const r = await this.roomOf(e.scope.ticketId);
      const ref = r ? await this.conversations.ticketRef(e.scope.ticketId) : null;
      if (r && ref) this.nsp.to(room(r.inboxId, r.visitorId)).emit('csat', { ticketNumber: ref.number, rating: e.type === 'ticket.csat_rated' ? e.rating : null });
    } else if (e.type === 'ticket.updated' && e.ticket.channel === 'webchat') {
      // (ticket.created needs nothing: the message.created right after it carries the number.)
      const r = await this.roomOf(e.ticket.id);
      if (r) this.nsp.to(room(r.inboxId, r.visitorId)).emit('conversation', { ticket: { number: e.ticket.number, status: e.ticket.status } });
    }
  }

  close(): void {
    this.unsubscribe?.();
    this.nsp?.disconnectSockets(true);
  }
}
