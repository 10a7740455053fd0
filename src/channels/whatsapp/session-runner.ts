import path from 'node:path';
import type { ChannelContext, ChannelHealth, OutboundMessage, SendResult } from '../../core/domain/channel-adapter.js';
import type { InboundEventInput } from '../../core/domain/inbound-event.js';
import { ChannelError, ChannelWaitError } from '../../core/errors/app-error.js';
import { SessionArchiveStore, type ArchiveStoreOptions } from './archive-store.js';
import { mapAck, mapEdit, mapMessage, mapReaction, mapRevoke, mediaFileName, type MappedMedia } from './mapper.js';
import { Outbox } from './outbox.js';
import type { ClientFactory, WaMessage, WhatsAppClientPort } from './port.js';
import { classifySendError, sendOutbound, type SendProgress } from './send.js';
import type { WhatsAppSettings } from './settings.js';

/** Where a logout request from any hub process waits for the session holder. */
export const LOGOUT_REQUEST_KEY = 'whatsapp.logoutRequestedAt';
const SENT_KEY = (messageId: string) => `whatsapp.sent:${messageId}`;

export interface SessionTuning {
  reconnect: { initialMs: number; maxMs: number };
  /** How often the holder looks for a "log out / new QR" request made in another process. */
  controlPollMs: number;
  /** How long a reply nobody asks for any more stays in the outbox. */
  holdMs: number;
  /**
   * Acks of a reply we sent this recently wait until then: the delivery worker records the provider id only
   * after `send` returns, and a status for an id it has not recorded yet would wait for the ingest retry.
   */
  ackGraceMs: number;
  /** When the delivery worker should come back after NOT_READY / SESSION_ELSEWHERE. */
  retryAfterMs: number;
  /** Media above this is not downloaded (the inbox setting, capped by the hub's attachment limit). */
  maxMediaBytes: number;
  archive?: ArchiveStoreOptions;
}

type Health = Omit<ChannelHealth, 'checkedAt'>;

/**
 * One running WhatsApp session (in the one process holding the inbox's lease): the client's life cycle
 * (QR → authenticated → ready; reconnect with backoff; logged out → new QR), its events turned into
 * InboundEvents in order, the outbox of replies, and the health shown on the inbox.
 */
export class WhatsAppSession {
  private client: WhatsAppClientPort | undefined;
  private generation = 0;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private controlTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly outbox: Outbox;
  /** Ids of the messages this session sent, with when: their `message_create` echo is dropped. */
  private readonly ownIds = new Map<string, number>();
  /**
   * Parts of each reply already sent (see `SendProgress`). In memory: the retry comes back to this holder;
   * after the session moved to another process a retry may repeat a part (at-least-once).
   */
  private readonly parts: SendProgress = new Map();
  /** Settles when the sends under way have returned (an echo may arrive before its send resolves). */
  private inFlight: Promise<unknown> = Promise.resolve();
  /** Inbound events are handled one at a time, in the order WhatsApp reported them. */
  private inbound: Promise<void> = Promise.resolve();
  private readonly archive: SessionArchiveStore;
  private archiveNote: string | undefined;
  private lastHealth: Health = { status: 'unknown', detail: 'Starting' };
  private lastLogoutHandled: string | undefined;
  private reporting: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: ChannelContext,
    private readonly settings: WhatsAppSettings,
    private readonly factory: ClientFactory,
    private readonly paths: { dataDir: string; chromiumPath: string },
    private readonly tuning: SessionTuning,
  ) {
    this.outbox = new Outbox({ waitMs: settings.sendWaitSeconds * 1000, holdMs: tuning.holdMs, retryAfterMs: tuning.retryAfterMs });
    this.archive = new SessionArchiveStore(ctx, this.dataPath, (note) => this.noteArchive(note), tuning.archive);
  }

  get health(): Health {
    return this.lastHealth;
  }

  private get dataPath(): string {
    return path.join(this.paths.dataDir, this.ctx.inboxId);
  }

  async start(): Promise<void> {
    this.lastLogoutHandled = await this.ctx.state.get<string>(LOGOUT_REQUEST_KEY);
    this.controlTimer = setInterval(() => void this.checkLogoutRequest(), this.tuning.controlPollMs);
    this.controlTimer.unref();
    // Not awaited: pairing may wait for a person with a phone; the lease keeper must not.
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.controlTimer);
    this.outbox.abandon(sessionElsewhere(this.tuning.retryAfterMs));
    // A send under way may finish (and record its id) before the browser goes, for a while.
    await Promise.race([this.inFlight, new Promise((r) => setTimeout(r, 5_000).unref())]);
    await this.teardown();
  }

  /** Sends through the outbox: in order, once ready, never twice (see Outbox). */
  async send(out: OutboundMessage): Promise<SendResult> {
    const done = await this.ctx.state.get<{ providerMessageId: string; sentAt: string }>(SENT_KEY(out.messageId));
    if (done) return { providerMessageId: done.providerMessageId, sentAt: new Date(done.sentAt) };
    return this.outbox.submit(out.messageId, async () => {
      const client = this.client;
      if (!client) throw new ChannelWaitError('NOT_READY', 'WhatsApp session is not connected', this.tuning.retryAfterMs);
      const sending = sendOutbound(client, out, (id) => this.ownIds.set(id, Date.now()), this.parts);
      this.inFlight = Promise.allSettled([this.inFlight, sending]);
      let result: SendResult;
      try {
        result = await sending;
      } catch (err) {
        throw classifySendError(err);
      }
      await this.ctx.state.set(SENT_KEY(out.messageId), { providerMessageId: result.providerMessageId, sentAt: result.sentAt.toISOString() });
      return result;
    });
  }

  /** "Log out / new QR": unpair, drop the stored session, start over with a QR code. */
  async logout(): Promise<void> {
    const client = this.client;
    this.generation++;
    this.client = undefined;
    this.outbox.close();
    if (client) {
      client.removeAllListeners();
      await client.logout().catch((err: unknown) => this.ctx.logger.warn({ err }, 'WhatsApp logout failed; dropping the session anyway'));
      await client.destroy().catch(() => undefined);
    }
    await this.archive.delete();
    await this.report({ status: 'degraded', detail: 'Logged out; a new QR code is coming' });
    this.attempt = 0;
    void this.connect();
  }

  private async checkLogoutRequest(): Promise<void> {
    const requested = await this.ctx.state.get<string>(LOGOUT_REQUEST_KEY).catch(() => undefined);
    if (!requested || requested === this.lastLogoutHandled || this.stopped) return;
    this.lastLogoutHandled = requested;
    this.ctx.logger.info({ requested }, 'WhatsApp logout requested');
    await this.logout().catch((err: unknown) => this.ctx.logger.error({ err }, 'WhatsApp logout failed'));
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const generation = ++this.generation;
    const current = () => generation === this.generation && !this.stopped;
    try {
      const client = await this.factory({
        clientId: `inbox-${this.ctx.inboxId}`,
        dataPath: this.dataPath,
        auth: this.settings.auth,
        store: this.archive,
        chromiumPath: this.settings.chromiumPath ?? this.paths.chromiumPath,
        fakePort: this.settings.fakePort,
      });
      if (!current()) {
        await client.destroy().catch(() => undefined);
        return;
      }
      this.client = client;
      this.listen(client, current);
      await this.report({ status: 'degraded', detail: 'Starting WhatsApp Web' });
      await client.initialize();
    } catch (err) {
      if (!current()) return;
      this.ctx.logger.error({ err }, 'WhatsApp session failed to start');
      await this.scheduleReconnect(`could not start WhatsApp Web: ${(err as Error).message}`);
    }
  }

  private listen(client: WhatsAppClientPort, current: () => boolean): void {
    const guard =
      <A extends unknown[]>(fn: (...args: A) => Promise<void> | void) =>
      (...args: A) => {
        if (!current()) return;
        Promise.resolve(fn(...args)).catch((err: unknown) => this.ctx.logger.error({ err }, 'WhatsApp event handling failed'));
      };
    client.on('qr', guard((qr: string) => this.report({ status: 'degraded', detail: 'Scan the QR code', qr })));
    client.on('authenticated', guard(() => this.report({ status: 'degraded', detail: 'Authenticated; loading chats' })));
    client.on('auth_failure', guard((message: string) => this.authFailed(message)));
    client.on('ready', guard(() => this.ready(client)));
    client.on('disconnected', guard((reason: string) => this.disconnected(reason)));
    client.on('change_state', guard((state: string) => this.stateChanged(state)));
    client.on('message', guard((m: WaMessage) => this.enqueue(() => this.incoming(m))));
    client.on('message_create', guard((m: WaMessage) => (m.fromMe ? this.enqueue(() => this.ownMessage(m)) : undefined)));
    client.on('message_ack', guard((m: WaMessage, ack: number) => this.acked(m, ack)));
    client.on('message_revoke_everyone', guard((m: WaMessage, revoked?: WaMessage | null) => this.enqueue(() => this.emit([mapRevoke(m, revoked, this.ctx.inboxId)]))));
    client.on('message_reaction', guard((r) => this.enqueue(() => this.emit([mapReaction(r, this.ctx.inboxId)]))));
    client.on('message_edit', guard((m: WaMessage, newBody: string) => this.enqueue(() => this.emit([mapEdit(m, String(newBody), this.ctx.inboxId)]))));
  }

  private async ready(client: WhatsAppClientPort): Promise<void> {
    this.attempt = 0;
    const me = client.info?.wid.user;
    await this.report({ status: 'ok', detail: me ? `Connected as +${me}` : 'Connected' });
    this.outbox.open();
  }

  private async disconnected(reason: string): Promise<void> {
    this.outbox.close();
    if (reason === 'LOGOUT' || reason === 'UNPAIRED') {
      // Unpaired from the phone: the stored session is worthless; a new QR follows at once.
      await this.archive.delete();
      await this.report({ status: 'degraded', detail: 'Logged out from the phone; a new QR code is coming' });
      await this.teardown();
      this.attempt = 0;
      void this.connect();
      return;
    }
    await this.scheduleReconnect(`Disconnected (${reason})`);
  }

  private async authFailed(message: string): Promise<void> {
    this.outbox.close();
    // The restored session was refused by WhatsApp: it cannot work again, so it goes; pairing starts over.
    await this.archive.delete();
    this.noteArchive(`The stored session was refused (${message}); scan the QR code to pair again.`);
    await this.scheduleReconnect(`Login refused by WhatsApp: ${message}`);
  }

  private async stateChanged(state: string): Promise<void> {
    if (state === 'CONFLICT') {
      this.outbox.close();
      await this.report({ status: 'degraded', detail: 'Conflict: WhatsApp Web is open elsewhere with this number' });
    } else if (state === 'CONNECTED' && this.lastHealth.detail?.startsWith('Conflict')) {
      await this.report({ status: 'ok', detail: 'Connected' });
      this.outbox.open();
    }
  }

  private async scheduleReconnect(why: string): Promise<void> {
    await this.teardown();
    if (this.stopped) return;
    const { initialMs, maxMs } = this.tuning.reconnect;
    const delay = Math.min(maxMs, initialMs * 2 ** this.attempt);
    this.attempt++;
    await this.report({ status: 'down', detail: `${why}; reconnecting in ${Math.round(delay / 1000)} s` });
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => void this.connect(), delay);
    this.reconnectTimer.unref();
  }

  private async teardown(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.generation++;
    if (!client) return;
    client.removeAllListeners();
    await client.destroy().catch((err: unknown) => this.ctx.logger.warn({ err }, 'WhatsApp client did not close cleanly'));
  }

  private enqueue(job: () => Promise<void>): void {
    this.inbound = this.inbound.then(job).catch((err: unknown) => this.ctx.logger.error({ err }, 'WhatsApp inbound event lost'));
  }

  private async incoming(m: WaMessage): Promise<void> {
    if (m.fromMe) return;
    await this.emitMessage(m, false);
  }

  /**
   * Our own account sent something: an echo of a reply Ponte sent (dropped: never stored twice), or a
   * message a colleague typed on the phone (stored as outbound in the customer's ticket).
   */
  private async ownMessage(m: WaMessage): Promise<void> {
    if (this.ownIds.has(m.id._serialized)) return;
    await this.inFlight; // the echo can come before our send returned its id
    if (this.ownIds.has(m.id._serialized)) return;
    await this.emitMessage(m, true);
  }

  private async emitMessage(m: WaMessage, fromUs: boolean): Promise<void> {
    const quotedId = m.hasQuotedMsg ? (await m.getQuotedMessage().catch(() => undefined))?.id._serialized : undefined;
    const media = m.hasMedia ? await this.download(m) : undefined;
    const mapped = mapMessage(m, {
      inboxId: this.ctx.inboxId,
      allowGroups: this.settings.allowGroups,
      fromUs,
      ...(quotedId ? { quotedId } : {}),
      ...(media ? { media } : {}),
    });
    if ('ignored' in mapped) {
      this.ctx.logger.debug({ id: m.id._serialized, why: mapped.ignored }, 'WhatsApp message ignored');
      return;
    }
    await this.emit([mapped.event]);
  }

  /** Media is fetched here, in the session (there is no URL to fetch later), within the inbox's size limit. */
  private async download(m: WaMessage): Promise<MappedMedia> {
    const limit = this.tuning.maxMediaBytes;
    const announced = m._data?.size;
    const name = (mime: string, given?: string | null) => mediaFileName(m, mime, given ?? m._data?.filename);
    if (announced && announced > limit) return { kind: 'too-large', fileName: name(m._data?.mimetype ?? 'application/octet-stream'), size: announced, limit };
    try {
      const media = await m.downloadMedia();
      if (!media?.data) return { kind: 'unavailable', reason: 'WhatsApp no longer has the file' };
      const size = Math.floor((media.data.length * 3) / 4) - (media.data.endsWith('==') ? 2 : media.data.endsWith('=') ? 1 : 0);
      const fileName = name(media.mimetype, media.filename);
      if (size > limit) return { kind: 'too-large', fileName, size, limit };
      return { kind: 'file', fileName, mimeType: media.mimetype.split(';')[0]!.trim(), contentBase64: media.data, size };
    } catch (err) {
      this.ctx.logger.warn({ err, id: m.id._serialized }, 'WhatsApp media download failed');
      return { kind: 'unavailable', reason: 'download failed' };
    }
  }

  private async acked(m: WaMessage, ack: number): Promise<void> {
    if (!m.id.fromMe) return;
    const event = mapAck(m, ack, this.ctx.inboxId);
    if (!event) return;
    const sentAt = this.ownIds.get(m.id._serialized);
    const wait = sentAt === undefined ? 0 : sentAt + this.tuning.ackGraceMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait).unref());
    await this.emit([event]);
  }

  /** Stored before anything else happens; a database hiccup is retried a few times before the event is lost. */
  private async emit(events: InboundEventInput[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.ctx.emit(events);
        return;
      } catch (err) {
        if (attempt >= 5) throw err;
        await new Promise((r) => setTimeout(r, 200 * 2 ** attempt).unref());
      }
    }
  }

  /** What happened to the session backup, shown with every health report until a good backup is stored. */
  private noteArchive(note: string | undefined): void {
    if (note === this.archiveNote) return;
    this.archiveNote = note;
    if (note) this.ctx.logger.warn({ note }, 'WhatsApp session archive');
    void this.report(this.lastHealth);
  }

  private async report(health: Health): Promise<void> {
    const { detail, ...rest } = health;
    const base = detail?.replace(/ — Session backup: .*$/, '');
    this.lastHealth = { ...rest, ...(base ? { detail: base } : {}) };
    const shown = this.archiveNote ? `${base ?? ''} — Session backup: ${this.archiveNote}` : base;
    // One write at a time, in the order things happened: concurrent updates may land in any order.
    this.reporting = this.reporting.then(() =>
      this.ctx
        .reportHealth({ ...rest, ...(shown ? { detail: shown } : {}) })
        .catch((err: unknown) => this.ctx.logger.warn({ err }, 'WhatsApp health not stored')),
    );
    await this.reporting;
  }
}

export function sessionElsewhere(retryAfterMs = 2_000): ChannelError {
  return new ChannelWaitError('SESSION_ELSEWHERE', 'This hub process does not run the WhatsApp session; another one does', retryAfterMs);
}
