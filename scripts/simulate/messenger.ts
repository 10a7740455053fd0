/**
 * Messenger traffic into a running hub: what Meta would POST to `/webhooks/messenger/<inboxId>`, signed with
 * the app secret (`X-Hub-Signature-256`), after Meta's GET verification handshake. Customers with random
 * page-scoped ids write in PT/ES/EN: single messages, a batch of entries in one POST (as Meta batches), quick
 * replies, a "Get started" postback, an image (only with `--image-url`: the hub downloads it), the same
 * webhook twice (Meta retries), read receipts, and the echo of a reply typed in Meta's Page inbox (the hub keeps it
 * as an outbound message sent outside Ponte).
 *
 *   npm run simulate -- messenger --inbox <id> --app-secret <secret> [--page-id <id>] [--verify-token <token>]
 *       [--hub http://localhost:3000] [--customers 3] [--delay-ms 300] [--image-url <url>]
 *
 * The hub fetches sender profiles from GRAPH_API_BASE_URL with the inbox's token; with a made-up token those
 * lookups fail (logged) and the contacts stay unnamed — the messages are stored all the same.
 */
import { createHmac, randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';

const lines = [
  'Olá! Meu pedido #4521 ainda não chegou.',
  'Hola, ¿tienen envío a Montevideo?',
  'Hi, I was charged twice for my order.',
  'Vocês abrem no sábado?',
  '¿Puedo cambiar la talla de una camiseta?',
  'Can I change my delivery address?',
];

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      hub: { type: 'string', default: process.env.PUBLIC_URL ?? 'http://localhost:3000' },
      inbox: { type: 'string' },
      'app-secret': { type: 'string' },
      'page-id': { type: 'string', default: '104857600000000' },
      'verify-token': { type: 'string' },
      customers: { type: 'string', default: '3' },
      'delay-ms': { type: 'string', default: '300' },
      'image-url': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values.inbox || !values['app-secret']) {
    console.log(
      'usage: npm run simulate -- messenger --inbox <id> --app-secret <secret> [--page-id <id>] [--verify-token <t>]',
    );
    console.log('       [--hub http://localhost:3000] [--customers 3] [--delay-ms 300] [--image-url <url>]');
    process.exit(values.help ? 0 : 2);
  }
  const url = `${values.hub.replace(/\/+$/, '')}/webhooks/messenger/${values.inbox}`;
  const pageId = values['page-id'];
  const secret = values['app-secret'];
  const delay = Number(values['delay-ms']);
  const pause = () => new Promise((r) => setTimeout(r, delay));

  if (values['verify-token']) {
    const challenge = String(randomInt(1e9));
    const res = await fetch(
      `${url}?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(values['verify-token'])}` +
        `&hub.challenge=${challenge}`,
    );
    const body = await res.text();
    console.log(
      `GET handshake: ${res.status} ` +
        (body === challenge ? '(challenge echoed)' : `(unexpected: ${body.slice(0, 80)})`),
    );
  }

  let midSeq = 0;
  const mid = () => `m_sim${Date.now().toString(36)}${(++midSeq).toString(36)}${randomInt(1e9).toString(36)}`;
  const event = (psid: string, body: Record<string, unknown>, at = Date.now()) => ({
    sender: { id: psid },
    recipient: { id: pageId },
    timestamp: at,
    ...body,
  });
  const post = async (label: string, entries: Array<Array<Record<string, unknown>>>) => {
    const raw = JSON.stringify({
      object: 'page',
      entry: entries.map((messaging) => ({ id: pageId, time: Date.now(), messaging })),
    });
    const signature = `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
      body: raw,
    });
    console.log(`${label}: ${res.status} ${await res.text()}`);
    return raw;
  };

  const customers = Array.from(
    { length: Math.max(1, Number(values.customers)) },
    () => `7${String(randomInt(2 ** 47)).padStart(15, '0')}`,
  );
  await post('postback "Get started"', [
    [event(customers[0]!, { postback: { title: 'Get Started', payload: 'GET_STARTED', mid: mid() } })],
  ]);
  await pause();
  for (const [i, psid] of customers.entries()) {
    await post(`customer ${psid} writes`, [[event(psid, { message: { mid: mid(), text: lines[i % lines.length] } })]]);
    await pause();
  }
  // One POST, three entries, several events: how Meta delivers under load.
  await post(
    'batch of 3 entries',
    customers
      .slice(0, 3)
      .map((psid, i) => [
        event(psid, { message: { mid: mid(), text: 'Obrigado!', quick_reply: { payload: 'THANKS' } } }),
        ...(i === 0 ? [event(psid, { read: { watermark: Date.now() } })] : []),
      ]),
  );
  await pause();
  // Meta retries what it thinks failed: the same body again is stored once.
  const retried = [[event(customers[0]!, { message: { mid: mid(), text: 'Alguém aí?' } })]];
  await post('a message', retried);
  await post('the same webhook again (a retry)', retried);
  await pause();
  if (values['image-url']) {
    await post('an image', [
      [
        event(customers[0]!, {
          message: { mid: mid(), attachments: [{ type: 'image', payload: { url: values['image-url'] } }] },
        }),
      ],
    ]);
    await pause();
  }
  await post("a reply typed in Meta's Page inbox (echo)", [
    [
      {
        sender: { id: pageId },
        recipient: { id: customers[0]! },
        timestamp: Date.now(),
        message: { mid: mid(), is_echo: true, app_id: 263902037430900, text: 'Estamos verificando.' },
      },
    ],
  ]);
  for (const psid of customers)
    await post(`read receipt of ${psid}`, [[event(psid, { read: { watermark: Date.now() } })]]);
  const bad = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
    body: '{"object":"page","entry":[]}',
  });
  console.log(`a forged signature: ${bad.status} (expected 403)`);
}
