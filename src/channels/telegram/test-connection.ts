import type { ConnectionReport } from '../../core/domain/channel-adapter.js';
import { toChannelError } from './api-errors.js';
import { createTelegramApi } from './client.js';
import { parseTelegramSettings } from './settings.js';

/** "Test connection" of the settings screen: `getMe` with the token as typed, one check named `bot`. */
export async function testTelegramConnection(
  settings: Record<string, unknown>,
  apiRoot: string,
): Promise<ConnectionReport> {
  const t0 = Date.now();
  try {
    const s = parseTelegramSettings(settings);
    const me = await createTelegramApi(s.botToken, apiRoot).getMe();
    if (!me.is_bot) throw new Error('the token does not belong to a bot');
    return { ok: true, checks: { bot: { ok: true, durationMs: Date.now() - t0 } } };
  } catch (err) {
    const e = toChannelError(err);
    return { ok: false, checks: { bot: { ok: false, code: e.code, message: e.message, durationMs: Date.now() - t0 } } };
  }
}
