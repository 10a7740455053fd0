import type { Logger } from 'pino';
import type { MessageReceived } from '../domain/inbound-event.js';
import type { Inbox } from '../models/inbox.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';
import type { ComposeService } from '../outbound/compose-service.js';
import type { Clock } from '../time/clock.js';
import { DEFAULT_TEMPLATES, fillCustomerTemplate, greetingName } from './customer-texts.js';
import type { InboxAutomationSettings } from './inbox-automation.js';
import { languageFor } from './language.js';
import { ContactWindow } from './contact-window.js';
import type { OnceMarks } from './once-marks.js';
import { responsePromise } from './response-promise.js';

export type AckOutcome = 'sent' | 'off' | 'automated' | 'already' | 'rate-limited';

/**
 * The acknowledgement of a new ticket: the ticket number and when we will answer (the ticket's stored
 * first-response due time), in the customer's language, from the inbox's template. Never to automated mail
 * (auto-replies, bounces: `automated`), at most once per ticket (`ack:<ticket>` mark, also across hubs and
 * re-runs of the same event), at most once per contact per `perContactMinutes`.
 *
 * Older inboxes switched it on with the email setting `autoAcknowledge` (+ `autoAcknowledgeText`): still honoured.
 */
export class AutoAcknowledger {
  private readonly perContact: ContactWindow;

  constructor(
    private readonly models: Models,
    private readonly settings: InboxAutomationSettings,
    private readonly marks: OnceMarks,
    private readonly compose: ComposeService,
    private readonly timeZone: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.perContact = new ContactWindow(marks, 'ackc');
  }

  async onNewTicket(ticket: Ticket, inbox: Inbox, event: Pick<MessageReceived, 'automated' | 'fromUs' | 'text'>): Promise<AckOutcome> {
    const settings = await this.settings.get(String(inbox._id));
    const legacy = inbox.publicSettings.autoAcknowledge === true;
    if (!settings.autoAck.enabled && !legacy) return 'off';
    if (event.automated || event.fromUs) return 'automated';
    const now = this.clock.now();
    if (!(await this.marks.claim(`ack:${String(ticket._id)}`, now))) return 'already';
    if (!(await this.perContact.take(String(ticket.contactId), settings.autoAck.perContactMinutes, now))) {
      this.logger.info({ ticketId: String(ticket._id), contactId: String(ticket.contactId) }, 'acknowledgement skipped: this contact got one recently');
      return 'rate-limited';
    }
    const contact = await this.models.Contact.findById(ticket.contactId).lean();
    const language = languageFor(contact?.language, `${ticket.subject} ${event.text ?? ''}`, settings.defaultLanguage);
    const legacyText = typeof inbox.publicSettings.autoAcknowledgeText === 'string' && inbox.publicSettings.autoAcknowledgeText.trim() ? inbox.publicSettings.autoAcknowledgeText : undefined;
    const template = settings.autoAck.templates[language] ?? legacyText ?? DEFAULT_TEMPLATES.autoAck[language];
    const text = fillCustomerTemplate(template, {
      'ticket.number': ticket.number,
      'ticket.subject': ticket.subject,
      'contact.name': contact?.name ?? ticket.replyTo.displayName,
      'contact.greeting': greetingName(contact?.name ?? ticket.replyTo.displayName),
      'sla.promise': responsePromise(ticket.sla.firstResponseDueAt, now, language, this.timeZone),
      'sla.firstResponseDueAt': ticket.sla.firstResponseDueAt?.toISOString(),
    });
    await this.compose.sendAutomatic(ticket, text, 'message.auto_acknowledgement_queued', { language });
    return 'sent';
  }
}
