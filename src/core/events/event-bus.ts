import type { Logger } from 'pino';
import type { DomainEvent } from './domain-events.js';

export type DomainEventHandler = (event: DomainEvent) => void | Promise<void>;

/**
 * In-process publish/subscribe. A failing subscriber is logged and never
 * affects the writer or other subscribers: the write has already happened.
 */
export class DomainEventBus {
  private readonly handlers = new Set<DomainEventHandler>();

  constructor(private readonly logger: Logger) {}

  subscribe(handler: DomainEventHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  publish(event: DomainEvent): void {
    for (const handler of this.handlers) {
      try {
        const result = handler(event);
        if (result instanceof Promise) {
          result.catch((err: unknown) => this.logger.error({ err, type: event.type }, 'domain event handler failed'));
        }
      } catch (err) {
        this.logger.error({ err, type: event.type }, 'domain event handler failed');
      }
    }
  }
}
