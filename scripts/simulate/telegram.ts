import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { startTelegramBotApi, type TelegramBotApiStandin } from '../../test/standins/telegram-bot-api.js';

/**
 * `npx tsx scripts/simulate.ts telegram --url <webhook url> (--secret <token> | --admin <email>:<password>)`
 *
 * POSTs Bot API updates to a hub's Telegram webhook exactly as Telegram does: one Update per request, JSON,
 * with the inbox's secret in `X-Telegram-Bot-Api-Secret-Token`. With `--bot-api <port>` it also serves a
 * loopback Bot API (start the hub with `TELEGRAM_API_ROOT=http://127.0.0.1:<port>` and give the inbox the
 * token it prints): the hub's `setWebhook`, its replies and the photo download then all work, and every
 * agent reply is printed and answered by the simulated customer, quoting it.
 */

const HELP = `npx tsx scripts/simulate.ts telegram --url <hub>/webhooks/telegram/<inboxId> [options]

  --url <url>          the inbox's webhook URL (shown on the inbox in the console)
  --secret <token>     the inbox's webhook secret, or:
  --admin <e>:<pw>     log in as this admin and give the inbox a fresh webhook secret first
  --bot-api <port>     also serve a loopback Bot API on this port (see above)
  --scenario <name>    conversation (default) · burst (50 messages of one chat at once, shuffled) ·
                       duplicate (one update three times at once) · forged (a wrong secret: expect 403)
  --chat <id>          the customer's Telegram user id (default: random)
  --name "<first last>"  the customer's name (default: Ana Souza)
`;

interface Options {
  url: string;
  secret: string;
  chat: number;
  first: string;
  last?: string;
  api?: TelegramBotApiStandin;
}

let updateId = Math.floor(Date.now() / 1000) * 10;
let messageId = Math.floor(Math.random() * 1000) + 100;

function user(o: Options) {
  return {
    id: o.chat,
    is_bot: false,
    first_name: o.first,
    ...(o.last ? { last_name: o.last } : {}),
    username: `${o.first.toLowerCase()}_sim`,
    language_code: 'pt-br',
  };
}
function message(o: Options, fields: Record<string, unknown>, id = ++messageId, date = Math.floor(Date.now() / 1000)) {
  const chat = { id: o.chat, first_name: o.first, ...(o.last ? { last_name: o.last } : {}), type: 'private' };
  return { update_id: ++updateId, message: { message_id: id, from: user(o), chat, date, ...fields } };
}

async function post(o: Options, update: unknown, secret = o.secret): Promise<number> {
  const res = await fetch(o.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
    body: JSON.stringify(update),
  });
  return res.status;
}

async function say(o: Options, label: string, update: unknown): Promise<void> {
  const status = await post(o, update);
  console.log(`${status === 200 ? '✓' : '✗'} ${status}  ${label}`);
}

/** UTF-16 offset/length of `part` in `text`, as Telegram counts. */
function entity(text: string, part: string, type: string, extra: Record<string, unknown> = {}) {
  return { type, offset: text.indexOf(part), length: part.length, ...extra };
}

async function conversation(o: Options): Promise<void> {
  const text = 'Olá! Meu pedido 4512 não chegou. Rastreio: https://correios.example/4512';
  const first = message(o, {
    text,
    entities: [
      entity(text, 'Meu pedido 4512', 'bold'),
      entity(text, 'não', 'italic'),
      entity(text, 'https://correios.example/4512', 'url'),
    ],
  });
  await say(o, 'text with bold, italic and a link', first);
  if (o.api) {
    // A tiny real JPEG header and padding: enough for the hub to fetch and store it.
    const jpeg = Buffer.concat([
      Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex'),
      randomBytes(2048),
      Buffer.from('ffd9', 'hex'),
    ]);
    const fileId = o.api.addFile(jpeg, { filePath: `photos/file_${messageId}.jpg` });
    await say(
      o,
      'photo with a caption (fetched by the hub through getFile)',
      message(o, {
        photo: [
          { file_id: `${fileId}-small`, file_unique_id: 'AQADs', width: 90, height: 67, file_size: 1200 },
          { file_id: fileId, file_unique_id: 'AQADx', width: 1280, height: 960, file_size: jpeg.length },
        ],
        caption: 'A caixa do último pedido chegou amassada',
      }),
    );
  } else {
    await say(
      o,
      'document (the hub cannot download it without --bot-api: noted on the message)',
      message(o, {
        document: {
          file_id: 'BQACAgEAAxkBAAIBd2dDoc',
          file_unique_id: 'AgADdoc',
          file_name: 'nota-fiscal.pdf',
          mime_type: 'application/pdf',
          file_size: 48213,
        },
      }),
    );
  }
  await say(o, 'location', message(o, { location: { latitude: -23.561414, longitude: -46.655881 } }));
  await say(
    o,
    'own contact card (links the phone to this customer)',
    message(o, {
      contact: {
        phone_number: `55119${String(o.chat).slice(-8).padStart(8, '0')}`,
        first_name: o.first,
        ...(o.last ? { last_name: o.last } : {}),
        user_id: o.chat,
      },
    }),
  );
  const edited = {
    ...first.message,
    edit_date: Math.floor(Date.now() / 1000),
    text: `${text} (editado: é o pedido 4513)`,
    entities: [],
  };
  await say(o, 'edit of the first message', { update_id: ++updateId, edited_message: edited });
}

async function burst(o: Options): Promise<void> {
  const base = Math.floor(Date.now() / 1000) - 10;
  const updates = Array.from({ length: 50 }, (_, i) =>
    message(o, { text: `mensagem ${i + 1} de 50` }, ++messageId, base + Math.floor(i / 10)),
  );
  const shuffled = [...updates].sort(() => Math.random() - 0.5);
  const statuses = await Promise.all(shuffled.map((u) => post(o, u)));
  console.log(`50 updates sent at once in shuffled order: ${statuses.filter((s) => s === 200).length} × 200`);
  console.log('the ticket shows them as "mensagem 1 … 50", in order');
}

async function duplicate(o: Options): Promise<void> {
  const update = message(o, { text: 'Esta mensagem foi entregue três vezes' });
  const statuses = await Promise.all([post(o, update), post(o, update), post(o, update)]);
  console.log(`the same update three times at once: ${statuses.join(', ')} — the ticket shows it once`);
}

async function forged(o: Options): Promise<void> {
  const status = await post(o, message(o, { text: 'forjada' }), 'not-the-secret');
  console.log(`${status === 403 ? '✓' : '✗'} ${status}  a wrong secret token is refused; nothing stored`);
}

/** Logs in as an admin and sets a fresh webhook secret on the inbox the URL names. */
async function freshSecret(url: string, admin: string): Promise<string> {
  const { origin, pathname } = new URL(url);
  const inboxId = pathname.split('/').filter(Boolean).at(-1);
  const [email, ...pw] = admin.split(':');
  const login = await fetch(`${origin}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin },
    body: JSON.stringify({ email, password: pw.join(':') }),
  });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const secret = randomBytes(24).toString('base64url');
  const patch = await fetch(`${origin}/api/inboxes/${inboxId}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', origin, cookie },
    body: JSON.stringify({ secrets: { webhookSecret: secret } }),
  });
  if (patch.status !== 200) throw new Error(`could not set the webhook secret: ${patch.status} ${await patch.text()}`);
  // The hub restarts the inbox on the change (and registers the new secret with the Bot API).
  await new Promise((r) => setTimeout(r, 1500));
  return secret;
}

/** Prints what the hub sends and answers each agent reply by quoting it, until Ctrl-C. */
async function converse(o: Options, api: TelegramBotApiStandin): Promise<void> {
  console.log('\nwaiting for agent replies (Ctrl-C to stop)…');
  let seen = api.sent.length;
  for (;;) {
    await api.waitForSent(seen + 1, 24 * 3600_000);
    for (const sent of api.sent.slice(seen)) {
      console.log(`← bot ${sent.method}: ${sent.text ?? sent.caption ?? sent.file?.fileName ?? ''}`);
      await say(
        o,
        'customer replies quoting it',
        message(o, {
          text: 'Obrigada pela resposta!',
          reply_to_message: {
            message_id: sent.message_id,
            chat: { id: o.chat, type: 'private' },
            date: Math.floor(sent.at.getTime() / 1000),
          },
        }),
      );
    }
    seen = api.sent.length;
  }
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      secret: { type: 'string' },
      admin: { type: 'string' },
      'bot-api': { type: 'string' },
      scenario: { type: 'string', default: 'conversation' },
      chat: { type: 'string' },
      name: { type: 'string', default: 'Ana Souza' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.url || (!values.secret && !values.admin)) {
    console.log(HELP);
    process.exit(values.help ? 0 : 2);
  }
  let api: TelegramBotApiStandin | undefined;
  if (values['bot-api']) {
    api = await startTelegramBotApi({ port: Number(values['bot-api']) });
    console.log(
      `Bot API on ${api.apiRoot} — start the hub with TELEGRAM_API_ROOT=${api.apiRoot}; bot token: ${api.token}`,
    );
  }
  const secret = values.secret ?? (await freshSecret(values.url, values.admin!));
  const [first, ...last] = values.name!.split(' ');
  const o: Options = {
    url: values.url,
    secret,
    chat: values.chat ? Number(values.chat) : 300_000_000 + Math.floor(Math.random() * 99_999_999),
    first: first || 'Ana',
    ...(last.length ? { last: last.join(' ') } : {}),
    ...(api ? { api } : {}),
  };
  const scenarios: Record<string, (o: Options) => Promise<void>> = { conversation, burst, duplicate, forged };
  const scenario = scenarios[values.scenario!];
  if (!scenario) throw new Error(`unknown scenario ${values.scenario}; one of ${Object.keys(scenarios).join(', ')}`);
  console.log(`customer ${o.first}${o.last ? ` ${o.last}` : ''} (Telegram id ${o.chat}) → ${o.url}`);
  await scenario(o);
  if (api) await converse(o, api);
}
