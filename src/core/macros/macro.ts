import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { z } from 'zod';
import { unknownVariables } from '../canned/template-vars.js';
import { TagSchema } from '../tickets/tag.js';
import { ticketPriorities, ticketStatuses } from '../tickets/ticket-enums.js';


/** What a macro does, in this order: the reply first (so a solve's rating request follows it), then the ticket. */
export const MacroActionsSchema = z
  .object({
    status: z.enum(ticketStatuses).exclude(['closed', 'new']).optional(),
    priority: z.enum(ticketPriorities).optional(),
    tagsAdd: z.array(TagSchema).max(20).default([]),
    tagsRemove: z.array(TagSchema).max(20).default([]),
    /**
     * A canned reply to the customer, the variables of a canned response filled (`template-vars.ts`). It goes
     * out as the agent clicks, unread: a variable nobody fills would reach the customer as typed, so it is refused.
     */
    reply: z
      .string()
      .trim()
      .min(1)
      .max(10_000)
      .superRefine((text, ctx) => {
        const unknown = unknownVariables(text);
        if (unknown.length) ctx.addIssue({ code: 'custom', message: `unknown variable${unknown.length > 1 ? 's' : ''}: ${unknown.map((n) => `{{${n}}}`).join(', ')}` });
      })
      .optional(),
  })
  .refine((a) => a.status || a.priority || a.tagsAdd.length || a.tagsRemove.length || a.reply, 'a macro needs at least one action');
export type MacroActions = z.infer<typeof MacroActionsSchema>;

export const MacroInputSchema = z.object({ name: z.string().trim().min(1).max(80), actions: MacroActionsSchema });
export type MacroInput = z.infer<typeof MacroInputSchema>;

export interface Macro {
  _id: Types.ObjectId;
  name: string;
  /** The actions as validated JSON text (one field: FerretDB decodes documents field by field). */
  actionsJson: string;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<Macro>(
  { name: { type: String, required: true, maxlength: 80 }, actionsJson: { type: String, required: true } },
  { timestamps: true, versionKey: false, collection: 'macros' },
);
schema.index({ name: 1 }, { unique: true });

export const macroModel = (c: Connection): Model<Macro> => (c.models.Macro as Model<Macro> | undefined) ?? c.model<Macro>('Macro', schema);
