import { z } from 'zod';
import type { InboundAttachment, InboundEventInput } from '../../core/domain/inbound-event.js';

/**
 * A visitor's name goes into the contact, the message author and the ticket subject, shown in the consoles,
 * exports and emails: one line, no control characters, and no bidi overrides/isolates (which can make a
 * name read as something else). Runs of them become one space.
 */
const oneLineName = (s: string) => s.replace(/[\p{Cc}\u2028\u2029\u202A-\u202E\u2066-\u2069\s]+/gu, ' ');

/** What the chat page posts. `clientMessageId` makes a retried POST a duplicate, never a second message. */
export const VisitorMessageSchema = z.object({
  inboxId: z.string().regex(/^[0-9a-f]{24}$/i).optional(),
  clientMessageId: z.uuid(),
  text: z.string().trim().min(1).max(5000),
  name: z.string().overwrite(oneLineName).trim().min(1).max(120).optional(),
  email: z.email().max(320).optional(),
});
export type VisitorMessage = z.infer<typeof VisitorMessageSchema>;

/** The fields of an upload (`POST /chat/api/attachments`, multipart): as a message, the text optional (a caption). */
export const VisitorUploadFieldsSchema = VisitorMessageSchema.omit({ inboxId: true }).extend({ text: z.string().trim().max(5000).default('') });
export type VisitorUploadFields = z.infer<typeof VisitorUploadFieldsSchema>;

export const providerKeyOf = (inboxId: string, visitorId: string, clientMessageId: string) => `webchat:${inboxId}:${visitorId}:${clientMessageId.toLowerCase()}`;

/**
 * Maps a visitor's message to the normalised InboundEvent. The email a visitor
 * types is unverified, so it is never an identity key nor `sender.email` (that
 * would attach the chat to whoever owns the address): it is kept on the
 * visitor's own contact as `unverifiedEmail`, and named in the ticket subject.
 */
export function toInboundEvent(
  inboxId: string,
  visitorId: string,
  m: Omit<VisitorMessage, 'inboxId'>,
  now: Date,
  attachments: InboundAttachment[] = [],
): InboundEventInput {
  const who = (m.name ?? `Visitor ${visitorId.slice(0, 6)}`).replace(/\[#\d+\]/g, "").trim() || `Visitor ${visitorId.slice(0, 6)}`;
  return {
    type: 'message.received',
    providerKey: providerKeyOf(inboxId, visitorId, m.clientMessageId),
    inboxId,
    occurredAt: now,
    providerMessageId: `webchat-in:${m.clientMessageId.toLowerCase()}`,
    sender: { handle: visitorId, displayName: who, identityKeys: [`visitor:${visitorId}`], ...(m.email ? { unverifiedEmail: m.email } : {}) },
    text: m.text,
    attachments,
    threading: { conversationId: visitorId, subject: `Web chat with ${who}${m.email ? ` <${m.email}>` : ''}` },
  };
}
