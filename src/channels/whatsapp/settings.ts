import { z } from 'zod';

const flag = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

/**
 * Settings of one WhatsApp inbox (whatsapp-web.js). Nothing here is secret: the credentials are the paired
 * session itself, kept as an archive in the database (see `archive-store.ts`).
 */
export const WhatsAppSettingsSchema = z.object({
  /**
   * `web`: WhatsApp Web in Chromium (production). `fake`: an in-process stand-in for development and demos,
   * fed over a loopback port by `npm run simulate -- whatsapp` (never reaches WhatsApp).
   */
  driver: z.enum(['web', 'fake']).default('web'),
  /**
   * `remote`: the session archive is kept in the database, so a restart or another hub process needs no new
   * QR. `local`: the browser profile stays in this machine's data folder (single machine only).
   */
  auth: z.enum(['remote', 'local']).default('remote'),
  /** Group chats are ignored unless enabled. */
  allowGroups: flag.default(false),
  /** Media larger than this is not downloaded (the message is kept with a note). */
  maxMediaMb: z.coerce.number().min(1).max(100).default(16),
  /** How long a reply waits for the session to be ready before its delivery is retried later. */
  sendWaitSeconds: z.coerce.number().int().min(1).max(120).default(20),
  /** `fake` driver: the loopback port the simulator script talks to (0 = any free port, logged). */
  fakePort: z.coerce.number().int().min(0).max(65535).default(7801),
  /** Overrides the hub's WHATSAPP_CHROMIUM_PATH for this inbox. */
  chromiumPath: z.string().trim().min(1).max(1000).optional(),
});
export type WhatsAppSettings = z.infer<typeof WhatsAppSettingsSchema>;

export function parseWhatsAppSettings(raw: Record<string, unknown>): WhatsAppSettings {
  return WhatsAppSettingsSchema.parse(raw);
}
