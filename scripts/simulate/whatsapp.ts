import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';

/**
 * Plays the phone and the customers of a WhatsApp inbox whose driver is `fake` (inbox setting "Driver:
 * Simulator"), through the loopback port that driver listens on (setting `fakePort`, default 7801).
 * WhatsApp Web has no webhook: this is how a person sees the channel work without a phone.
 *
 *   npm run simulate -- whatsapp scan                       pair (the QR in the console turns into "Connected")
 *   npm run simulate -- whatsapp message --from 5511987654321 --name "Ana Souza" --text "Oi, meu pedido não chegou"
 *   npm run simulate -- whatsapp message --from 551187654321 --image ./photo.jpg --text "caption"
 *   npm run simulate -- whatsapp message --from 5511987654321 --typed-on-phone --text "Aqui é o Pedro da loja"
 *   npm run simulate -- whatsapp fixture test/fixtures/whatsapp/location.json
 *   npm run simulate -- whatsapp sent                       what the hub sent (ids for `ack`)
 *   npm run simulate -- whatsapp ack <id> 3                 1 sent, 2 delivered, 3 read, -1 failed
 *   npm run simulate -- whatsapp disconnect                 the connection drops (replies wait, then go in order)
 *   npm run simulate -- whatsapp demo                       pair if needed, then a short conversation
 * Every command takes --port <n> (default 7801).
 */
const OWN = '5511900000000';

export async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string', default: '7801' },
      from: { type: 'string', default: '5511987654321' },
      name: { type: 'string', default: 'Ana Souza' },
      text: { type: 'string', default: '' },
      image: { type: 'string' },
      'typed-on-phone': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const base = `http://127.0.0.1:${values.port}`;
  const call = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(base + p, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }).catch((err: unknown) => {
      throw new Error(`no WhatsApp simulator at ${base} (is an inbox with driver "fake" running?): ${String(err)}`);
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  };
  const message = async (opts: { from: string; name: string; text: string; image?: string; fromMe: boolean }) => {
    const json = await buildMessage(opts);
    await call('POST', '/messages', json);
    console.log(`sent ${json.id._serialized}`);
  };

  const [command = 'help', ...rest] = values.help ? ['help'] : positionals;
  switch (command) {
    case 'scan':
      console.log(await call('POST', '/scan'));
      return;
    case 'state':
      console.log(await call('GET', '/state'));
      return;
    case 'sent':
      console.log(JSON.stringify(await call('GET', '/sent'), null, 2));
      return;
    case 'ack':
      await call('POST', '/ack', { id: rest[0], ack: Number(rest[1] ?? 3) });
      return;
    case 'disconnect':
      await call('POST', '/disconnect', {});
      return;
    case 'fixture':
      for (const file of rest) await call('POST', '/messages', JSON.parse(await readFile(file, 'utf8')));
      return;
    case 'message':
      await message({ from: values.from, name: values.name, text: values.text, ...(values.image ? { image: values.image } : {}), fromMe: values['typed-on-phone'] });
      return;
    case 'demo': {
      const state = (await call('GET', '/state')) as { ready: boolean; qr: string | null };
      if (!state.ready) await call('POST', '/scan');
      await message({ from: values.from, name: values.name, text: 'Olá! Meu pedido #4471 ainda não chegou.', fromMe: false });
      await message({ from: values.from, name: values.name, text: 'Comprei na semana passada.', fromMe: false });
      console.log('Reply from the console, then: npm run simulate -- whatsapp sent  /  ... ack <id> 3');
      return;
    }
    default:
      console.log('commands: scan | state | message | fixture <file…> | sent | ack <id> <n> | disconnect | demo  (see scripts/simulate/whatsapp.ts)');
  }
}

/** A message shaped like whatsapp-web.js's `Message` JSON (what the real client hands the hub). */
async function buildMessage(opts: { from: string; name: string; text: string; image?: string; fromMe: boolean }) {
  const customer = `${opts.from.replace(/\D/g, '')}@c.us`;
  const own = `${OWN}@c.us`;
  const id = `${opts.fromMe ? '3EB0' : '3A'}${randomBytes(8).toString('hex').toUpperCase()}`;
  const [from, to] = opts.fromMe ? [own, customer] : [customer, own];
  const image = opts.image ? await readFile(opts.image) : undefined;
  const mimetype = image ? (path.extname(opts.image!).toLowerCase() === '.png' ? 'image/png' : 'image/jpeg') : undefined;
  const t = Math.floor(Date.now() / 1000);
  const idObj = { fromMe: opts.fromMe, remote: opts.fromMe ? to : from, id, _serialized: `${opts.fromMe}_${opts.fromMe ? to : from}_${id}` };
  return {
    _data: { id: idObj, body: opts.text, type: image ? 'image' : 'chat', t, from, to, ack: 1, isNewMsg: true, ...(opts.fromMe ? {} : { notifyName: opts.name }), ...(image ? { mimetype, size: image.length, caption: opts.text } : {}) },
    id: idObj,
    ack: 1,
    hasMedia: Boolean(image),
    body: opts.text,
    type: image ? 'image' : 'chat',
    timestamp: t,
    from,
    to,
    deviceType: 'android',
    isForwarded: false,
    forwardingScore: 0,
    isStatus: false,
    isStarred: false,
    broadcast: false,
    fromMe: opts.fromMe,
    hasQuotedMsg: false,
    hasReaction: false,
    vCards: [],
    mentionedIds: [],
    links: [],
    ...(image ? { _media: { mimetype, data: image.toString('base64'), filename: path.basename(opts.image!), filesize: image.length } } : {}),
  };
}
