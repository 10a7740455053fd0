import { Types, type Connection, type Model } from 'mongoose';
import type { Logger } from 'pino';
import { fillCustomerTemplate } from '../automation/customer-texts.js';
import { cannedVars } from '../canned/template-vars.js';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import { createSchemaIndexes } from '../db/schema-indexes.js';
import { ConflictError, NotFoundError } from '../errors/app-error.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';
import type { ComposeService } from '../outbound/compose-service.js';
import type { TicketService } from '../tickets/ticket-service.js';
import { requireAdmin } from '../users/user-service.js';
import type { Viewer } from '../users/viewer.js';
import { macroChange } from './macro-changes.js';
import { macroModel, MacroActionsSchema, type Macro, type MacroActions, type MacroInput } from './macro.js';

export interface PublicMacro {
  id: string;
  name: string;
  actions: MacroActions;
  updatedAt: string;
}

const toPublic = (m: Macro): PublicMacro => ({ id: String(m._id), name: m.name, actions: MacroActionsSchema.parse(JSON.parse(m.actionsJson)), updatedAt: m.updatedAt.toISOString() });

/** Named sets of ticket actions run in one click: every agent applies them, admins manage them. */
export class MacroService {
  private readonly model: Model<Macro>;
  private indexed: Promise<unknown> | undefined;

  constructor(
    connection: Connection,
    private readonly models: Models,
    private readonly tickets: TicketService,
    private readonly compose: ComposeService,
    private readonly logger: Logger,
  ) {
    this.model = macroModel(connection);
  }

  private ready() {
    return (this.indexed ??= createSchemaIndexes(this.model));
  }

  async list(): Promise<PublicMacro[]> {
    await this.ready();
    return (await this.model.find().sort({ name: 1 }).lean()).map(toPublic);
  }

  async create(viewer: Viewer, input: MacroInput): Promise<PublicMacro> {
    requireAdmin(viewer);
    await this.ready();
    try {
      const [created] = await this.model.insertMany([{ name: input.name, actionsJson: JSON.stringify(input.actions) }]);
      return toPublic(created!.toObject());
    } catch (err) {
      if (isDuplicateKeyError(err)) throw new ConflictError('MACRO_EXISTS', `A macro named “${input.name}” exists`);
      throw err;
    }
  }

  async update(viewer: Viewer, id: string, input: MacroInput): Promise<PublicMacro> {
    requireAdmin(viewer);
    await this.load(id);
    try {
      await this.model.updateOne({ _id: id }, { $set: { name: input.name, actionsJson: JSON.stringify(input.actions) } });
    } catch (err) {
      if (isDuplicateKeyError(err) || (err as { code?: number }).code === 1) throw new ConflictError('MACRO_EXISTS', `A macro named “${input.name}” exists`);
      throw err;
    }
    return toPublic(await this.load(id));
  }

  async remove(viewer: Viewer, id: string): Promise<void> {
    requireAdmin(viewer);
    await this.load(id);
    await this.model.deleteOne({ _id: id });
  }

  /**
   * Runs a macro on a ticket the viewer may see: the canned reply first (refused like any reply on a
   * merged or closed ticket, before anything changed), then status, priority and tags as one audited change.
   */
  async apply(viewer: Viewer, macroId: string, ticketId: string, clientMessageId?: string): Promise<{ ticket: Ticket; replyId: string | null }> {
    const macro = toPublic(await this.load(macroId));
    const ticket = await this.tickets.get(viewer, ticketId);
    if (ticket.mergedInto) throw new ConflictError('TICKET_MERGED', 'This ticket was merged; apply the macro on the ticket it was merged into');
    if (ticket.status === 'closed') throw new ConflictError('TICKET_CLOSED', 'A closed ticket cannot change');
    let replyId: string | null = null;
    if (macro.actions.reply) {
      const contact = await this.models.Contact.findById(ticket.contactId).lean();
      // Sent as clicked, unread: a variable without a value (a contact with no name) is left out, not sent as typed.
      const vars = cannedVars({ contact, ticket, agent: viewer });
      // Macros have always greeted by `{{contact.name}}` with the first name; existing macros keep reading so.
      const text = fillCustomerTemplate(macro.actions.reply, { ...vars, 'contact.name': vars['contact.first_name'] });
      // Keyed, a resent run answers with the reply the first run sent (the reply's fingerprint is its filled text).
      replyId = String((await this.compose.reply(viewer, ticketId, { text, attachments: [], ...(clientMessageId ? { clientMessageId } : {}) }))._id);
    }
    const after = await this.tickets.changeTogether(viewer, ticketId, (t) => macroChange(t, { id: macro.id, name: macro.name, actions: macro.actions }, new Date()));
    this.logger.info({ ticketId, macroId, userId: viewer.id }, 'macro applied');
    return { ticket: after, replyId };
  }

  private async load(id: string): Promise<Macro> {
    await this.ready();
    const m = Types.ObjectId.isValid(id) ? await this.model.findById(id).lean() : null;
    if (!m) throw new NotFoundError('Macro');
    return m;
  }
}
