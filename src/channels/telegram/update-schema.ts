import { z } from 'zod';

/**
 * The parts of a Bot API `Update` (https://core.telegram.org/bots/api#update) the mapper reads, checked with
 * zod at the boundary. Unknown fields pass through untouched: Telegram adds fields often, and an update
 * kind we do not read (callback_query, channel_post, …) is simply not mapped.
 */

const id = z.number().int();
const fileSize = z.number().int().nonnegative().optional();

export const TelegramUserSchema = z.object({
  id,
  is_bot: z.boolean().default(false),
  first_name: z.string().default(''),
  last_name: z.string().optional(),
  username: z.string().optional(),
  language_code: z.string().optional(),
});
export type TelegramUser = z.infer<typeof TelegramUserSchema>;

export const TelegramChatSchema = z.object({
  id,
  type: z.enum(['private', 'group', 'supergroup', 'channel']),
  title: z.string().optional(),
  username: z.string().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
});

export const MessageEntitySchema = z.object({
  type: z.string(),
  offset: z.number().int().nonnegative(),
  length: z.number().int().nonnegative(),
  url: z.string().optional(),
  language: z.string().optional(),
  user: TelegramUserSchema.optional(),
});
export type MessageEntity = z.infer<typeof MessageEntitySchema>;

const file = { file_id: z.string().min(1), file_unique_id: z.string().optional(), file_size: fileSize };
const PhotoSizeSchema = z.object({ ...file, width: z.number().int(), height: z.number().int() });

const message = {
  message_id: id,
  from: TelegramUserSchema.optional(),
  sender_chat: TelegramChatSchema.optional(),
  date: z.number().int().nonnegative(),
  edit_date: z.number().int().nonnegative().optional(),
  chat: TelegramChatSchema,
  text: z.string().optional(),
  entities: z.array(MessageEntitySchema).optional(),
  caption: z.string().optional(),
  caption_entities: z.array(MessageEntitySchema).optional(),
  photo: z.array(PhotoSizeSchema).optional(),
  document: z.object({ ...file, file_name: z.string().optional(), mime_type: z.string().optional() }).optional(),
  voice: z.object({ ...file, duration: z.number().optional(), mime_type: z.string().optional() }).optional(),
  audio: z
    .object({
      ...file,
      duration: z.number().optional(),
      performer: z.string().optional(),
      title: z.string().optional(),
      file_name: z.string().optional(),
      mime_type: z.string().optional(),
    })
    .optional(),
  video: z.object({ ...file, file_name: z.string().optional(), mime_type: z.string().optional() }).optional(),
  video_note: z.object({ ...file, length: z.number().optional(), duration: z.number().optional() }).optional(),
  animation: z.object({ ...file, file_name: z.string().optional(), mime_type: z.string().optional() }).optional(),
  sticker: z
    .object({
      ...file,
      emoji: z.string().optional(),
      is_animated: z.boolean().default(false),
      is_video: z.boolean().default(false),
      thumbnail: PhotoSizeSchema.optional(),
      thumb: PhotoSizeSchema.optional(),
    })
    .optional(),
  location: z.object({ latitude: z.number(), longitude: z.number() }).optional(),
  venue: z.object({ title: z.string(), address: z.string() }).optional(),
  contact: z
    .object({
      phone_number: z.string(),
      first_name: z.string().default(''),
      last_name: z.string().optional(),
      user_id: id.optional(),
      vcard: z.string().optional(),
    })
    .optional(),
};

/** The message a reply quotes: only its id and chat matter here. */
const QuotedMessageSchema = z.object({ message_id: id, chat: TelegramChatSchema.optional() });

export const TelegramMessageSchema = z.object({ ...message, reply_to_message: QuotedMessageSchema.optional() });
export type TelegramMessage = z.infer<typeof TelegramMessageSchema>;

export const TelegramUpdateSchema = z.object({
  update_id: id,
  message: TelegramMessageSchema.optional(),
  edited_message: TelegramMessageSchema.optional(),
});
export type TelegramUpdate = z.infer<typeof TelegramUpdateSchema>;
