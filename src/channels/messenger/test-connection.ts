import type { ConnectionReport } from '../../core/domain/channel-adapter.js';
import { GraphClient } from './client.js';
import { mapGraphError } from './graph-errors.js';
import { parseMessengerSettings } from './adapter.js';

/**
 * "Test connection" of the settings screen: `GET /<page-id>?fields=name` with the Page token — the token is
 * valid and sees the Page. (The app secret and verify token can only be proven by Meta calling the webhook.)
 */
export async function testMessengerConnection(
  rawSettings: Record<string, unknown>,
  opts: { graphApiBaseUrl: string; timeoutMs?: number; fetch?: typeof fetch },
): Promise<ConnectionReport> {
  const t0 = Date.now();
  let settings;
  try {
    settings = parseMessengerSettings(rawSettings);
  } catch (err) {
    return {
      ok: false,
      checks: { graph: { ok: false, code: 'SETTINGS_INVALID', message: (err as Error).message, durationMs: 0 } },
    };
  }
  const client = new GraphClient({
    baseUrl: opts.graphApiBaseUrl,
    accessToken: settings.pageAccessToken,
    timeoutMs: opts.timeoutMs ?? 15_000,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  try {
    await client.page(settings.pageId);
    return { ok: true, checks: { graph: { ok: true, durationMs: Date.now() - t0 } } };
  } catch (err) {
    const { error } = mapGraphError(err);
    return {
      ok: false,
      checks: { graph: { ok: false, code: error.code, message: error.message, durationMs: Date.now() - t0 } },
    };
  }
}
