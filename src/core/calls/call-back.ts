import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { ChannelRegistry } from '../domain/channel-adapter.js';
import { ChannelError, ChannelRefusedError, ConflictError } from '../errors/app-error.js';
import type { TicketService } from '../tickets/ticket-service.js';
import type { Viewer } from '../users/viewer.js';

/**
 * "Call back" from the console: the ticket's channel (a phone-call inbox) rings the agent's phone and
 * connects the customer. The adapter reports the call as a call entry through ingest, like an inbound
 * call, so it lands in the customer's ticket and its outcome arrives by the platform's callbacks.
 */
export class CallBackService {
  constructor(
    private readonly tickets: TicketService,
    private readonly channels: ChannelRegistry,
    private readonly audit: AuditLog,
    private readonly logger: Logger,
  ) {}

  async callBack(viewer: Viewer, ticketId: string): Promise<{ providerCallId: string }> {
    const ticket = await this.tickets.get(viewer, ticketId);
    const adapter = this.channels.adapterFor(String(ticket.inboxId));
    if (!adapter?.startCall) throw new ConflictError('CALL_NOT_SUPPORTED', "This ticket's channel cannot place calls");
    const customer = ticket.replyTo.phone ?? ticket.replyTo.handle;
    let started: { providerCallId: string };
    try {
      started = await adapter.startCall(customer);
    } catch (err) {
      // A setting the admin must fix (no agent phone) is the client's business, not a gateway failure.
      if (err instanceof ChannelError && !err.retryable) throw new ChannelRefusedError(err.code, err.message);
      throw err;
    }
    await this.audit.append(
      ticket._id,
      'call.started',
      { type: 'user', id: viewer.id, name: viewer.name },
      { providerCallId: started.providerCallId },
    );
    this.logger.info({ ticketId, providerCallId: started.providerCallId, by: viewer.id }, 'call-back started');
    return started;
  }
}
