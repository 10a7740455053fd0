import type { Logger } from 'pino';
import { systemActor, type AuditLog } from '../audit/audit-log.js';
import { callStatusRank, type CallUpdated, type ContactConsent } from '../domain/inbound-event.js';
import type { DomainEvent } from '../events/domain-events.js';
import { ticketScope, toMessageView } from '../events/views.js';
import type { MessageKeys } from '../messages/message-keys.js';
import type { Message, MessageCall } from '../models/message.js';
import type { Models } from '../models/registry.js';
import type { ProcessResult } from './message-processor.js';
import { messageNotYetKnown, NotYetKnownError } from './status-processor.js';

/**
 * The facts that complete a call entry after it was stored (outcome, duration, voicemail recording,
 * transcription), and opt-outs recorded on contacts. Callbacks arrive late, twice or out of order:
 * a status only moves forward (`callStatusRank`), a duration only grows, a recording is attached once
 * (by file name), so applying the same event again changes nothing.
 */
export class CallProcessor {
  constructor(
    private readonly models: Models,
    private readonly audit: AuditLog,
    private readonly logger: Logger,
    private readonly keys: MessageKeys,
  ) {}

  async callUpdated(e: CallUpdated): Promise<ProcessResult> {
    const message = await this.keys.inInbox(e.inboxId, e.providerMessageId, (m) => m.kind === 'call');
    if (!message?.call) throw messageNotYetKnown(e.inboxId, e.providerMessageId, 'call entry');
    const before = message.call;
    const call: MessageCall = { ...before };
    if (e.status && callStatusRank[e.status] > callStatusRank[before.status]) call.status = e.status;
    if (e.durationSeconds !== undefined && e.durationSeconds > (before.durationSeconds ?? -1))
      call.durationSeconds = e.durationSeconds;
    if (e.transcription !== undefined && e.transcription !== before.transcription) call.transcription = e.transcription;
    const known = new Set(message.attachments.map((a) => a.fileName));
    const added = e.attachments
      .filter((a) => a.blobId && !known.has(a.fileName))
      .map((a) => ({ blobId: a.blobId!, fileName: a.fileName, mimeType: a.mimeType, size: a.size }));
    const note = e.text && !message.text.includes(e.text) ? e.text : undefined;
    const callChanged = JSON.stringify(call) !== JSON.stringify(before);
    if (!callChanged && added.length === 0 && !note)
      return { outcome: 'unchanged', messageId: String(message._id), ticketId: String(message.ticketId), events: [] };

    const updated: Message = {
      ...message,
      call,
      attachments: [...message.attachments, ...added],
      ...(note ? { text: [message.text, note].filter(Boolean).join('\n') } : {}),
    };
    if (added.length) await this.keys.record({ _id: message._id, inboxId: message.inboxId, attachments: added });
    await this.models.Message.updateOne(
      { _id: message._id },
      { $set: { call, attachments: updated.attachments, text: updated.text } },
    );
    const a = await this.audit.append(message.ticketId, 'message.call_updated', systemActor, {
      messageId: String(message._id),
      ...(call.status !== before.status ? { from: before.status, to: call.status } : {}),
      ...(call.durationSeconds !== before.durationSeconds ? { durationSeconds: call.durationSeconds } : {}),
      ...(added.length ? { recording: added.map((x) => x.fileName) } : {}),
      ...(call.transcription !== before.transcription ? { transcribed: true } : {}),
    });
    const ticket = await this.models.Ticket.findById(message.ticketId).lean();
    const events: DomainEvent[] = ticket
      ? [
          {
            type: 'message.updated',
            seq: a.seq,
            at: a.at.toISOString(),
            scope: ticketScope(ticket),
            message: toMessageView(updated),
          },
        ]
      : [];
    return { outcome: 'call-updated', messageId: String(message._id), ticketId: String(message.ticketId), events };
  }

  /** STOP / START (or the platform's opt-out error) on the contact owning the identity key. */
  async consent(e: ContactConsent): Promise<ProcessResult> {
    const identity = await this.models.ContactIdentity.findById(e.identityKey).lean();
    if (!identity) throw new NotYetKnownError(`no contact owns ${e.identityKey} yet`);
    const contact = await this.models.Contact.findById(identity.contactId).lean();
    if (!contact) throw new NotYetKnownError(`contact ${String(identity.contactId)} not stored yet`);
    const current = contact.optedOut?.[e.channel];
    // The later fact wins: a STOP after a START, and the reverse, whatever order the events ran in.
    if (e.optedOut ? current && current >= e.occurredAt : !current || current > e.occurredAt) {
      return { outcome: 'consent-unchanged', events: [] };
    }
    await this.models.Contact.updateOne(
      { _id: contact._id },
      e.optedOut ? { $set: { [`optedOut.${e.channel}`]: e.occurredAt } } : { $unset: { [`optedOut.${e.channel}`]: 1 } },
    );
    this.logger.info(
      { contactId: String(contact._id), channel: e.channel, optedOut: e.optedOut, reason: e.reason },
      'contact consent changed',
    );
    return { outcome: e.optedOut ? 'opted-out' : 'opted-in', events: [] };
  }
}
