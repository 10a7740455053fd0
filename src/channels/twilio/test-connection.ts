import type { ConnectionCheck, ConnectionReport } from '../../core/domain/channel-adapter.js';
import { createTwilioClient } from './client.js';
import { toChannelError } from './error-codes.js';
import { parseTwilioSettings, type TwilioKind } from './settings.js';

/** "Test connection": the account answers with these credentials, and owns the configured number. */
export async function testTwilioConnection(
  kind: TwilioKind,
  raw: Record<string, unknown>,
  apiBaseUrl?: string,
): Promise<ConnectionReport> {
  const settings = parseTwilioSettings(kind, raw);
  const client = createTwilioClient(settings.accountSid, settings.authToken, apiBaseUrl);
  const timed = async (check: () => Promise<void>): Promise<ConnectionCheck> => {
    const started = Date.now();
    try {
      await check();
      return { ok: true, durationMs: Date.now() - started };
    } catch (err) {
      const e = toChannelError(err);
      return { ok: false, code: e.code, message: e.message, durationMs: Date.now() - started };
    }
  };
  const account = await timed(async () => {
    const a = await client.api.v2010.accounts(settings.accountSid).fetch();
    if (a.status !== 'active')
      throw Object.assign(new Error(`account is ${a.status}`), { status: 403, code: 'ACCOUNT_INACTIVE' });
  });
  const checks: Record<string, ConnectionCheck> = { account };
  if (account.ok && settings.phoneNumber) {
    checks.number = await timed(async () => {
      const numbers = await client.incomingPhoneNumbers.list({ phoneNumber: settings.phoneNumber, limit: 1 });
      if (!numbers.length)
        throw Object.assign(new Error(`${settings.phoneNumber} is not a number of this account`), {
          status: 404,
          code: 'NUMBER_NOT_FOUND',
        });
    });
  }
  return { ok: Object.values(checks).every((c) => c.ok), checks };
}
