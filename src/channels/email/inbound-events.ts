import type { InboundEventInput } from '../../core/domain/inbound-event.js';
import { deliveryReportToStatusEvent } from './dsn.js';
import { mapRawEmailDetailed, type MapEmailOptions, type MappedEmail } from './mapper.js';

/**
 * Everything one raw mail becomes: a `message.received` (bounces and auto-replies are kept, flagged
 * `automated`; our own mail come back becomes nothing), plus a `message.status` marking our
 * outbound message failed when the mail is a permanent delivery failure report.
 */
export interface InboundEmail extends MappedEmail {
  events: InboundEventInput[];
}

export async function rawEmailToEvents(raw: Buffer, options: MapEmailOptions): Promise<InboundEmail> {
  const mapped = await mapRawEmailDetailed(raw, options);
  // Our own mail come back (a customer's forwarding alias): recognised and dropped, never a new message.
  if (mapped.ownMail) return { ...mapped, events: [] };
  const events: InboundEventInput[] = [mapped.event];
  if (mapped.report) {
    const status = deliveryReportToStatusEvent(mapped.report, {
      inboxId: options.inboxId,
      ...(mapped.event.threading.messageId ? { reportMessageId: mapped.event.threading.messageId } : {}),
      raw,
      occurredAt: mapped.event.occurredAt,
    });
    if (status) events.push(status);
  }
  return { ...mapped, events };
}
