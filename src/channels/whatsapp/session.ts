import path from 'node:path';
import whatsappWeb from 'whatsapp-web.js';
import type { Client as WaClient, Message, MessageMedia as WaMessageMedia, Reaction, Store } from 'whatsapp-web.js';
import type { ClientInit, WaMessage, WaOutgoingMedia, WaReaction, WaSendOptions, WhatsAppClientPort } from './port.js';

/**
 * The only file that imports whatsapp-web.js: a real WhatsApp Web session in Debian's Chromium (puppeteer
 * never downloads a browser here, see `.puppeteerrc.cjs`), wrapped in `WhatsAppClientPort`. Loaded lazily
 * by the adapter, so tests and the `fake` driver never load the library.
 */
const { Client, LocalAuth, MessageMedia, RemoteAuth } = whatsappWeb;

// Compile-time proof that the library's objects fit the port's shapes: the port is typed against its types.
type Fits<A, B> = A extends B ? true : never;
const messageFits: Fits<Message, WaMessage> = true;
const reactionFits: Fits<Reaction, WaReaction> = true;
const storeFits: Fits<ClientInit['store'], Store> = true;
void [messageFits, reactionFits, storeFits];

/** RemoteAuth saves a fresh backup this often (its minimum is one minute). */
const BACKUP_EVERY_MS = 5 * 60_000;

/** Flags for Chromium in a server or container: no sandbox (often no user namespaces), no GPU, small /dev/shm. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-setuid-sandbox',
  '--disable-dev-shm-usage',
  '--disable-gpu',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-extensions',
];

class WebClientPort implements WhatsAppClientPort {
  constructor(private readonly client: WaClient) {}

  get info() {
    return this.client.info;
  }

  initialize(): Promise<void> {
    return this.client.initialize();
  }

  on(event: string, listener: (...args: never[]) => void): unknown {
    return this.client.on(event, listener as (...args: unknown[]) => void);
  }

  removeAllListeners(): unknown {
    return this.client.removeAllListeners();
  }

  async sendMessage(chatId: string, content: string | WaOutgoingMedia, options?: WaSendOptions): Promise<WaMessage> {
    const body = typeof content === 'string' ? content : new MessageMedia(content.mimetype, content.data, content.filename);
    return this.client.sendMessage(chatId, body as string | WaMessageMedia, options);
  }

  async getMessageById(id: string): Promise<WaMessage | undefined> {
    return (await this.client.getMessageById(id)) ?? undefined;
  }

  logout(): Promise<void> {
    return this.client.logout();
  }

  destroy(): Promise<void> {
    return this.client.destroy();
  }
}

export async function createWebClient(init: ClientInit): Promise<WhatsAppClientPort> {
  const authStrategy =
    init.auth === 'local'
      ? new LocalAuth({ clientId: init.clientId, dataPath: path.join(init.dataPath, 'local') })
      : new RemoteAuth({ clientId: init.clientId, dataPath: init.dataPath, store: init.store, backupSyncIntervalMs: BACKUP_EVERY_MS });
  const client = new Client({
    authStrategy,
    puppeteer: { executablePath: init.chromiumPath, headless: true, args: CHROMIUM_ARGS },
    // Another WhatsApp Web taking the account over is reported (state CONFLICT), not fought over.
    takeoverOnConflict: false,
  });
  return new WebClientPort(client);
}
