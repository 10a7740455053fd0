import type { Logger } from 'pino';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';
import { wholeTrail } from '../audit/audit-trail.js';
import type { ComposeService } from '../outbound/compose-service.js';
import type { OpenWork } from '../tickets/open-work.js';
import type { TicketService } from '../tickets/ticket-service.js';
import { ticketsById } from '../tickets/tickets-by-id.js';
import type { Clock } from '../time/clock.js';
import { DEFAULT_TEMPLATES, fillCustomerTemplate, greetingName } from './customer-texts.js';
import type { InboxAutomation, InboxAutomationSettings } from './inbox-automation.js';
import { languageFor } from './language.js';
import type { OnceMarks } from './once-marks.js';

const DAY_MS = 86_400_000;

export interface SweepResult {
  closed: string[];
  reminded: string[];
}

/**
 * The time-based automation, run by the agenda job `automation.sweep` (every few minutes, in whichever hub
 * holds the job) and safe to run anywhere at any time: auto-close of solved tickets after the inbox's N
 * days, and one reminder per pending period to customers who have not answered for N days. "Once" is a
 * unique insert per occasion (`OnceMarks`): `close:<ticket>:<solvedAt>`, `remind:<ticket>:<audit seq of the
 * change to pending>` — so two hubs, a replayed job or a restart never close twice or remind twice.
 *
 * MongoDB answers "solved and pending tickets" from the `status` index. On the embedded FerretDB that
 * query reads every ticket while holding the database's one write lock (~10 s at 50,000, most of them
 * solved), so there the candidates come from the open-work projection, and only those an inbox setting
 * makes due something (auto-close, a rating request, a reminder) are read, by `_id`.
 */
export class AutomationSweep {
  constructor(
    private readonly models: Models,
    private readonly settings: InboxAutomationSettings,
    private readonly marks: OnceMarks,
    private readonly tickets: TicketService,
    private readonly compose: ComposeService,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** A solve whose rating request was never made (the process that solved it stopped first): ask now. */
    private readonly askRating?: (ticketId: string) => Promise<unknown>,
    private readonly openWork?: Pick<OpenWork, 'dueScan'>,
  ) {}

  async run(): Promise<SweepResult> {
    const result: SweepResult = { closed: [], reminded: [] };
    const now = this.clock.now();
    const candidates = await this.candidates(now);
    for (const ticket of candidates) {
      try {
        if (ticket.status === 'solved' && (await this.closeIfDue(ticket, now))) result.closed.push(String(ticket._id));
        else if (ticket.status === 'solved' && this.ratingMissed(ticket, now)) await this.askRating?.(String(ticket._id));
        if (ticket.status === 'pending' && (await this.remindIfDue(ticket, now))) result.reminded.push(String(ticket._id));
      } catch (err) {
        this.logger.error({ err, ticketId: String(ticket._id) }, 'automation step failed; the next sweep tries again');
      }
    }
    if (result.closed.length || result.reminded.length) this.logger.info({ closed: result.closed.length, reminded: result.reminded.length }, 'automation sweep');
    return result;
  }

  private async candidates(now: Date): Promise<Ticket[]> {
    const entries = await this.openWork?.dueScan((e) => e.status === 'solved' || e.status === 'pending');
    if (!entries) return this.models.Ticket.find({ status: { $in: ['solved', 'pending'] } }).lean();
    const settings = new Map<string, InboxAutomation>();
    for (const e of entries) {
      const inbox = String(e.inboxId);
      if (!settings.has(inbox)) settings.set(inbox, await this.settings.get(inbox));
    }
    const worthReading = entries.filter((e) => {
      const s = settings.get(String(e.inboxId))!;
      if (e.status === 'pending') return Boolean(s.pendingReminderDays);
      if (!e.solvedAt) return false;
      const age = now.getTime() - e.solvedAt.getTime();
      return (s.csat.enabled && age <= DAY_MS) || (s.autoCloseDays !== null && age >= s.autoCloseDays * DAY_MS);
    });
    return ticketsById(this.models, worthReading.map((e) => e._id));
  }

  /** Solved within the last day and not asked for this solve; the request's unique id keeps it once. */
  private ratingMissed(ticket: Ticket, now: Date): boolean {
    if (!ticket.solvedAt || now.getTime() - ticket.solvedAt.getTime() > DAY_MS) return false;
    return ticket.csat?.requestId !== `${String(ticket._id)}:${ticket.solvedAt.getTime()}`;
  }

  private async closeIfDue(ticket: Ticket, now: Date): Promise<boolean> {
    const days = (await this.settings.get(String(ticket.inboxId))).autoCloseDays;
    if (!days || !ticket.solvedAt || ticket.mergedInto || ticket.solvedAt.getTime() + days * DAY_MS > now.getTime()) return false;
    const key = `close:${String(ticket._id)}:${ticket.solvedAt.getTime()}`;
    if (!(await this.marks.claim(key, now))) return false;
    try {
      return await this.tickets.autoClose(String(ticket._id), ticket.solvedAt, days);
    } catch (err) {
      // Nothing was changed: give the occasion back so the next sweep closes it.
      await this.marks.release(key).catch(() => undefined);
      throw err;
    }
  }

  private async remindIfDue(ticket: Ticket, now: Date): Promise<boolean> {
    const settings = await this.settings.get(String(ticket.inboxId));
    const days = settings.pendingReminderDays;
    if (!days || ticket.mergedInto) return false;
    const since = await this.pendingSince(ticket);
    if (!since || since.at.getTime() + days * DAY_MS > now.getTime()) return false;
    // The customer wrote after the ticket went pending (it stays pending only if an agent kept it so).
    if (ticket.lastCustomerMessageAt && ticket.lastCustomerMessageAt.getTime() > since.at.getTime()) return false;
    if (!(await this.marks.claim(`remind:${String(ticket._id)}:${since.seq}`, now, { days }))) return false;
    // At most once: a crash between the claim and the stored message loses this reminder rather than risk two.
    const contact = await this.models.Contact.findById(ticket.contactId).lean();
    const language = languageFor(contact?.language, ticket.subject, settings.defaultLanguage);
    const template = settings.pendingReminderTemplates[language] ?? DEFAULT_TEMPLATES.pendingReminder[language];
    const text = fillCustomerTemplate(template, {
      'ticket.number': ticket.number,
      'ticket.subject': ticket.subject,
      'contact.name': contact?.name,
      'contact.greeting': greetingName(contact?.name ?? ticket.replyTo.displayName),
      days,
    });
    await this.compose.sendAutomatic(ticket, text, 'message.pending_reminder_queued', { afterDays: days, pendingSinceSeq: since.seq });
    return true;
  }

  /**
   * The audit event that made the ticket pending (the start of this pending period): its seq and time. The
   * trail is read by `_id` (`wholeTrail`): a query on type would read every audit event on FerretDB.
   */
  private async pendingSince(ticket: Ticket): Promise<{ seq: number; at: Date } | null> {
    const trail = await wholeTrail(this.models, ticket._id);
    const last = trail
      ? trail.filter((e) => e.type === 'ticket.status_changed').at(-1)
      : await this.models.AuditEvent.findOne({ ticketId: ticket._id, type: 'ticket.status_changed' }).sort({ seq: -1 }).lean();
    if (!last) return null;
    const data = JSON.parse(last.dataJson) as { to?: string };
    return data.to === 'pending' ? { seq: last.seq, at: last.at } : null;
  }
}
