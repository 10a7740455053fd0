import { z } from 'zod';

/**
 * The Messenger webhook body (developers.facebook.com/docs/messenger-platform/webhooks, "Webhook events"), only
 * the fields we use. Unknown fields and event kinds pass: Meta adds them over time, and a change there must not
 * make us refuse (and Meta retry for 36 hours) a whole batch.
 */

/**
 * Ids and numbers Meta may send as JSON numbers or as strings of digits. Not `z.coerce`: it turns `null` into
 * "null" (a customer `messenger:null` that every null-sender message joined) or 0 (a message dated 1970),
 * and an object into "[object Object]".
 */
const id = z.union([z.string().trim().min(1).max(200), z.number().int().nonnegative().transform(String)]);
const int = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,16}$/).transform(Number)]);

const AttachmentSchema = z
  .object({
    type: z.string(),
    payload: z
      .object({
        url: z.string().optional(),
        title: z.string().optional(),
        coordinates: z.object({ lat: z.number(), long: z.number() }).partial().optional(),
      })
      .passthrough()
      .nullish(),
    title: z.string().optional(),
    url: z.string().optional(),
  })
  .passthrough();
export type MessengerAttachment = z.infer<typeof AttachmentSchema>;

const MessageSchema = z
  .object({
    mid: z.string().min(1).max(900),
    text: z.string().optional(),
    is_echo: z.boolean().optional(),
    app_id: id.optional(),
    metadata: z.string().optional(),
    reply_to: z
      .object({ mid: z.string().max(900) })
      .partial()
      .optional(),
    quick_reply: z.object({ payload: z.string() }).partial().optional(),
    attachments: z.array(AttachmentSchema).max(100).optional(),
  })
  .passthrough();

export const MessagingEventSchema = z
  .object({
    sender: z.object({ id }),
    recipient: z.object({ id }),
    timestamp: int,
    message: MessageSchema.optional(),
    delivery: z
      .object({ mids: z.array(z.string()).optional(), watermark: int })
      .passthrough()
      .optional(),
    read: z.object({ watermark: int }).passthrough().optional(),
    postback: z
      .object({ title: z.string().optional(), payload: z.string().optional(), mid: z.string().optional() })
      .passthrough()
      .optional(),
    message_edit: z
      .object({ mid: z.string(), text: z.string(), num_edit: int.optional() })
      .passthrough()
      .optional(),
  })
  .passthrough();
export type MessagingEvent = z.infer<typeof MessagingEventSchema>;

export const EntrySchema = z
  .object({
    id,
    messaging: z.array(z.unknown()).optional(),
  })
  .passthrough();

export const WebhookBodySchema = z.object({
  object: z.string(),
  entry: z.array(EntrySchema).max(1000),
});
export type WebhookBody = z.infer<typeof WebhookBodySchema>;
