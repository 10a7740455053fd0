import type { ChannelAdapter, ChannelHealth, ChannelRegistry, OutboundMessage, SendResult } from '../../src/core/domain/channel-adapter.js';

type Step = (out: OutboundMessage) => Promise<SendResult> | SendResult;

/**
 * A scriptable adapter for core tests (channels have their own stand-ins):
 * each `send` consumes the next scripted step, or succeeds when none is left.
 */
export class ScriptedAdapter implements ChannelAdapter {
  readonly kind = 'sms' as const;
  readonly sent: OutboundMessage[] = [];
  readonly calls: OutboundMessage[] = [];
  private readonly steps: Step[] = [];

  then(step: Step): this {
    this.steps.push(step);
    return this;
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  async checkHealth(): Promise<ChannelHealth> {
    return { status: 'ok', checkedAt: new Date() };
  }

  async send(out: OutboundMessage): Promise<SendResult> {
    this.calls.push(out);
    const step = this.steps.shift();
    const result = step ? await step(out) : { providerMessageId: `prov-${out.messageId}-${this.calls.length}`, sentAt: new Date() };
    this.sent.push(out);
    return result;
  }
}

export class MapRegistry implements ChannelRegistry {
  readonly adapters = new Map<string, ChannelAdapter>();
  adapterFor(inboxId: string) {
    return this.adapters.get(inboxId);
  }
}
