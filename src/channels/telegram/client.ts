import { Telegraf } from 'telegraf';

/**
 * The Bot API client of one bot: telegraf's `Telegram`, pointed at `apiRoot` (config `TELEGRAM_API_ROOT`; a
 * loopback stand-in in tests, a local Bot API server in some deployments). `webhookReply: false`: every call
 * is a real HTTP request whose answer we see — never folded into a webhook response we do not send.
 */
export type TelegramApi = Telegraf['telegram'];

export function createTelegramApi(token: string, apiRoot: string): TelegramApi {
  return new Telegraf(token, { telegram: { apiRoot, webhookReply: false } }).telegram;
}

/** Where a file `getFile` described is downloaded from. The URL holds the token: never log it. */
export function fileUrlOf(apiRoot: string, token: string, filePath: string): string {
  return `${apiRoot.replace(/\/+$/, '')}/file/bot${token}/${filePath.replace(/^\/+/, '')}`;
}
