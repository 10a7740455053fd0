import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { FakeWhatsAppClient, type WaMessageJson } from './fake-client.js';
import type { ClientInit } from './port.js';

const MAX_BODY = 20 * 1_048_576;

/**
 * The `fake` driver (development and demos only, chosen per inbox): a FakeWhatsAppClient driven over HTTP on
 * 127.0.0.1, so `scripts/simulate/whatsapp.ts` can play the phone and the customers of a running hub.
 *   POST /scan                     the QR code is scanned (pairs; the session archive is saved)
 *   POST /messages  [Message JSON] messages arrive (customer, or `fromMe` typed on the phone)
 *   POST /ack       {id, ack}      WhatsApp acknowledges one of our messages (1 sent, 2 delivered, 3 read)
 *   POST /disconnect {reason?}     the connection drops
 *   GET  /state, GET /sent         QR / readiness, and what the hub sent
 * It listens on loopback only and never reaches WhatsApp.
 */
export class FakeDriver {
  private client: FakeWhatsAppClient | undefined;

  private constructor(
    private readonly server: http.Server,
    readonly port: number,
  ) {}

  static async listen(port: number, logger: Logger): Promise<FakeDriver> {
    let driver: FakeDriver | undefined;
    const server = http.createServer((req, res) => {
      void driver!.handle(req, res).catch((err: unknown) => {
        logger.warn({ err }, 'WhatsApp simulator request failed');
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String((err as Error).message) }));
      });
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    driver = new FakeDriver(server, (server.address() as AddressInfo).port);
    logger.warn({ port: driver.port }, 'WhatsApp SIMULATOR driver listening on loopback (development only)');
    return driver;
  }

  newClient(init: ClientInit): FakeWhatsAppClient {
    this.client = new FakeWhatsAppClient(init);
    return this.client;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const client = this.client;
    const reply = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (!client) return reply(503, { error: 'no session yet' });
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/state') return reply(200, { ready: client.ready, qr: client.qr ?? null });
    if (req.method === 'GET' && url.pathname === '/sent') {
      return reply(200, client.sent.map((s) => ({ chatId: s.chatId, id: s.message.id._serialized, body: s.message.body, type: s.message.type })));
    }
    if (req.method !== 'POST') return reply(405, { error: 'method not allowed' });
    const body = await readJson(req);
    switch (url.pathname) {
      case '/scan':
        await client.scan();
        return reply(200, { ready: client.ready });
      case '/messages': {
        const list = (Array.isArray(body) ? body : [body]) as WaMessageJson[];
        for (const m of list) client.receive(m);
        return reply(202, { received: list.length });
      }
      case '/ack': {
        const { id, ack } = body as { id: string; ack: number };
        client.ack(id, ack);
        return reply(202, { ok: true });
      }
      case '/disconnect':
        client.drop((body as { reason?: string } | undefined)?.reason ?? 'NAVIGATION');
        return reply(202, { ok: true });
      default:
        return reply(404, { error: 'unknown path' });
    }
  }
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}
