import type { ChannelAdapter, ChannelContext, ChannelHealth, OutboundMessage, SendResult } from '../../core/domain/channel-adapter.js';

/** What the adapter needs from the web chat channel: its visitor sockets and a place for the inbox's context. */
export interface WebchatAdapterHost {
  readonly socketsAttached: boolean;
  register(inboxId: string, ctx: ChannelContext): void;
  unregister(inboxId: string): void;
  send(out: OutboundMessage): Promise<SendResult>;
}

/**
 * The channel contract for one web chat inbox (as `src/channels/email/adapter.ts` is for email): sending
 * goes to the visitor's open tabs through the channel's `/visitor` sockets; health says whether those exist.
 */
export function webchatAdapterFactory(host: WebchatAdapterHost) {
  return (inboxId: string): ChannelAdapter => ({
    kind: 'webchat',
    async start(ctx) {
      host.register(inboxId, ctx);
      await ctx.reportHealth({ status: host.socketsAttached ? 'ok' : 'degraded', ...(host.socketsAttached ? {} : { detail: 'visitor sockets not attached yet' }) });
    },
    send: (out) => host.send(out),
    async checkHealth(): Promise<ChannelHealth> {
      return { status: host.socketsAttached ? 'ok' : 'degraded', checkedAt: new Date() };
    },
    async stop() {
      host.unregister(inboxId);
    },
  });
}
