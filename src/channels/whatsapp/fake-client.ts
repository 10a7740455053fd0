import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ClientInit, WaMedia, WaMessage, WaOutgoingMedia, WaSendOptions, WhatsAppClientPort } from './port.js';
import { readZipEntryNames, writeStoredZip } from './zip-archive.js';

/**
 * A stand-in for whatsapp-web.js's `Client` with the same events and methods the port uses, and the same
 * session steps as RemoteAuth (look for a stored session → unpack it → ready without a QR; else a QR, and
 * after the "scan" the profile is zipped and saved). Used by the tests and by the `fake` driver (development
 * and demos: `npm run simulate -- whatsapp`). It never reaches WhatsApp.
 *
 * Messages are fed as JSON shaped like whatsapp-web.js `Message` objects (see test/fixtures/whatsapp/); a
 * media message may carry `_media: { mimetype, data, filename }`, what `downloadMedia()` will return.
 */
export type WaMessageJson = Omit<WaMessage, 'downloadMedia' | 'getQuotedMessage'> & { _media?: WaMedia };

export interface FakeClientOptions {
  /** Our own number (digits), as WhatsApp Web reports it once ready. */
  ownNumber?: string;
}

export class FakeWhatsAppClient extends EventEmitter implements WhatsAppClientPort {
  info: { wid: { _serialized: string; user: string }; pushname?: string } | undefined;
  readonly sent: Array<{ chatId: string; content: string | WaOutgoingMedia; options: WaSendOptions | undefined; message: WaMessage }> = [];
  /** Set by a test to make the next sends fail (an error WhatsApp Web would throw). */
  failSends: Error | undefined;
  ready = false;
  destroyed = false;
  qr: string | undefined;
  private readonly known = new Map<string, WaMessage>();
  private readonly ownNumber: string;

  constructor(
    private readonly init: ClientInit,
    options: FakeClientOptions = {},
  ) {
    super();
    this.ownNumber = options.ownNumber ?? '5511900000000';
  }

  private get sessionName(): string {
    return `RemoteAuth-${this.init.clientId}`;
  }

  async initialize(): Promise<void> {
    if (this.init.auth === 'remote' && (await this.init.store.sessionExists({ session: this.sessionName }))) {
      const zip = path.join(this.init.dataPath, `${this.sessionName}.zip`);
      await this.init.store.extract({ session: this.sessionName, path: zip });
      readZipEntryNames(await readFile(zip)); // what unzipping would do: fail on a broken archive
      this.connect();
      return;
    }
    this.qr = `2@fake-${randomBytes(12).toString('base64url')},${randomBytes(8).toString('base64url')}`;
    this.emit('qr', this.qr);
  }

  /** The phone scanned the QR code: authenticated, ready, and (RemoteAuth) the session archive is saved. */
  async scan(): Promise<void> {
    if (!this.qr) throw new Error('no QR code to scan');
    this.qr = undefined;
    this.connect();
    if (this.init.auth === 'remote') {
      await mkdir(this.init.dataPath, { recursive: true });
      const profile = writeStoredZip([
        { name: 'Default/IndexedDB/https_web.whatsapp.com_0.indexeddb.leveldb/000003.log', content: randomBytes(6000) },
        { name: 'Default/Local Storage/leveldb/000003.log', content: randomBytes(2000) },
      ]);
      await writeFile(path.join(this.init.dataPath, `${this.sessionName}.zip`), profile);
      await this.init.store.save({ session: this.sessionName });
    }
  }

  private connect(): void {
    this.info = { wid: { _serialized: `${this.ownNumber}@c.us`, user: this.ownNumber }, pushname: 'Ponte' };
    this.emit('authenticated');
    this.ready = true;
    this.emit('change_state', 'CONNECTED');
    this.emit('ready');
  }

  /** A message arrives (from a customer, or typed on our phone when `fromMe`). */
  receive(json: WaMessageJson): WaMessage {
    const message = this.toMessage(json);
    this.known.set(message.id._serialized, message);
    if (!message.fromMe) this.emit('message', message);
    this.emit('message_create', message);
    return message;
  }

  ack(messageId: string, ack: number): void {
    const message = this.known.get(messageId);
    if (!message) throw new Error(`unknown message ${messageId}`);
    message.ack = ack;
    this.emit('message_ack', message, ack);
  }

  drop(reason = 'NAVIGATION'): void {
    this.ready = false;
    this.emit('disconnected', reason);
  }

  async sendMessage(chatId: string, content: string | WaOutgoingMedia, options?: WaSendOptions): Promise<WaMessage> {
    if (!this.ready || this.destroyed) throw new Error('Session closed. Most likely the page has been closed.');
    if (this.failSends) throw this.failSends;
    const id = `3EB0${randomBytes(8).toString('hex').toUpperCase()}`;
    const media = typeof content === 'string' ? undefined : content;
    const message = this.toMessage({
      id: { fromMe: true, remote: chatId, id, _serialized: `true_${chatId}_${id}` },
      from: `${this.ownNumber}@c.us`,
      to: chatId,
      fromMe: true,
      type: media ? (media.mimetype.startsWith('image/') ? 'image' : 'document') : 'chat',
      body: typeof content === 'string' ? content : (options?.caption ?? ''),
      hasMedia: Boolean(media),
      hasQuotedMsg: Boolean(options?.quotedMessageId),
      timestamp: Math.floor(Date.now() / 1000),
      ack: 0,
    });
    this.known.set(message.id._serialized, message);
    // WhatsApp Web reports our own send as `message_create` before `sendMessage` resolves.
    this.emit('message_create', message);
    this.sent.push({ chatId, content, options, message });
    return message;
  }

  async getMessageById(id: string): Promise<WaMessage | undefined> {
    return this.known.get(id);
  }

  async logout(): Promise<void> {
    this.ready = false;
    if (this.init.auth === 'remote') await this.init.store.delete({ session: this.sessionName });
  }

  async destroy(): Promise<void> {
    this.ready = false;
    this.destroyed = true;
  }

  private toMessage(json: WaMessageJson): WaMessage {
    const { _media, ...fields } = json;
    const message: WaMessage = {
      ...fields,
      downloadMedia: async () => _media,
      getQuotedMessage: async () => {
        const quoted = json._data?.quotedStanzaID;
        return quoted ? [...this.known.values()].find((m) => m.id.id === quoted) : undefined;
      },
    };
    return message;
  }
}
