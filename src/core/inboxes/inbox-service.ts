import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import { z } from 'zod';
import type { SecretBox } from '../crypto/secret-box.js';
import type { ChannelRegistry, ConnectionReport } from '../domain/channel-adapter.js';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import { ChannelKindSchema } from '../domain/channel-kind.js';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../errors/app-error.js';
import type { DomainEventBus } from '../events/event-bus.js';
import type { PublicInbox } from '../domain/public-inbox.js';
import type { Inbox } from '../models/inbox.js';
import type { Models } from '../models/registry.js';
import { requireAdmin } from '../users/user-service.js';
import type { Viewer } from '../users/viewer.js';
import type { SessionLeases } from './session-lease.js';
import { publicBaseUrlOf, webhookUrlOf, type WebhookInboxes, type WebhookTarget } from './webhook-target.js';

/** Generated for every inbox: the shared secret of webhook channels that use one (Telegram's secret token). */
export const WEBHOOK_SECRET_KEY = 'webhookSecret';

const settingKey = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'letters, digits and _ only');
const settingValue = z.union([z.string().max(2000), z.number(), z.boolean()]);
/** One level of grouping, e.g. `{ imap: { host, port }, fromAddress }`. */
const PublicSettingsSchema = z.record(settingKey, z.union([settingValue, z.record(settingKey, settingValue)]));
/** Secret keys may name a group member: `imap.password`. */
const secretKey = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}(\.[A-Za-z][A-Za-z0-9_]{0,63})?$/, 'a name, or group.name');
const SecretsSchema = z.record(secretKey, z.string().max(10_000).nullable());

// Declared once without defaults (zod keeps `.default()` under `.partial()`,
// which would reset omitted fields on update).
const inboxFields = {
  name: z.string().trim().min(1).max(120),
  departmentId: z.string().regex(/^[0-9a-f]{24}$/i).nullable(),
  enabled: z.boolean(),
  reopenWindowDays: z.number().min(0).max(365),
  settings: PublicSettingsSchema,
  /** Write-only: stored encrypted, never returned; `null` removes a key on update. */
  secrets: SecretsSchema,
};
export const CreateInboxSchema = z.object({
  ...inboxFields,
  kind: ChannelKindSchema,
  departmentId: inboxFields.departmentId.optional(),
  enabled: inboxFields.enabled.default(true),
  reopenWindowDays: inboxFields.reopenWindowDays.optional(),
  settings: inboxFields.settings.default({}),
  secrets: inboxFields.secrets.default({}),
});
export const UpdateInboxSchema = z.object(inboxFields).partial();

export type { PublicInbox } from '../domain/public-inbox.js';

export interface InboxServiceOptions {
  publicUrl: string;
  leases?: SessionLeases;
}

/** Channel accounts. Credentials are sealed with AES-256-GCM and only decrypted for the adapter. */
export class InboxService implements WebhookInboxes {
  constructor(
    private readonly models: Models,
    private readonly box: SecretBox,
    private readonly bus: DomainEventBus,
    private readonly channels: ChannelRegistry,
    private readonly options: InboxServiceOptions = { publicUrl: 'http://localhost:3000' },
  ) {}

  /** Unknown or disabled inboxes are NotFound: a webhook for them is answered 404 and stores nothing. */
  async webhookTarget(id: string): Promise<WebhookTarget> {
    const inbox = await this.load(id);
    if (!inbox.enabled) throw new NotFoundError('Inbox');
    const secrets = this.secretsOf(inbox);
    if (!secrets[WEBHOOK_SECRET_KEY]) {
      // Inboxes created before webhook secrets existed get theirs on first use.
      secrets[WEBHOOK_SECRET_KEY] = newWebhookSecret();
      await this.models.Inbox.updateOne({ _id: inbox._id }, { $set: { settingsCipher: this.box.seal(JSON.stringify(secrets)) } });
      this.changed(id);
    }
    const settings = await this.runtimeSettings(id);
    return { id: String(inbox._id), kind: inbox.kind, settings, publicBaseUrl: publicBaseUrlOf(settings, this.options.publicUrl) };
  }

  /** Tries the inbox's stored settings against the real servers; answers with one precise cause per check. */
  async testConnection(viewer: Viewer, id: string): Promise<ConnectionReport> {
    requireAdmin(viewer);
    const inbox = await this.load(id);
    const report = this.channels.testConnection?.(inbox.kind, await this.runtimeSettings(id));
    if (!report) throw new AppError('NOT_SUPPORTED', `The ${inbox.kind} channel has no connection test`);
    return report;
  }

  /** "Log out / new QR": the inbox's channel unpairs and shows a new pairing QR in its health. */
  async resetSession(viewer: Viewer, id: string): Promise<void> {
    requireAdmin(viewer);
    const inbox = await this.load(id);
    const adapter = this.channels.adapterFor(id);
    if (!adapter?.resetSession) throw new AppError('NOT_SUPPORTED', `The ${inbox.kind} channel has no session to reset here`);
    await adapter.resetSession();
  }

  private changed(id: string): void {
    this.bus.publish({ type: 'inbox.changed', at: new Date().toISOString(), inboxId: id });
  }

  /** With a viewer: what that person may see (a pairing QR code only for admins). */
  async list(viewer?: Viewer): Promise<PublicInbox[]> {
    const inboxes = await this.models.Inbox.find().sort({ name: 1 }).lean();
    return Promise.all(inboxes.map((i) => this.toPublic(i, viewer)));
  }

  async get(id: string, viewer?: Viewer): Promise<PublicInbox> {
    return this.toPublic(await this.load(id), viewer);
  }

  async create(viewer: Viewer, input: z.infer<typeof CreateInboxSchema>): Promise<PublicInbox> {
    requireAdmin(viewer);
    const available = this.channels.availableKinds?.();
    if (available && !available.includes(input.kind)) {
      throw new ValidationError(`This build cannot run ${input.kind} inboxes; available: ${available.join(', ')}`, [
        { path: 'kind', message: `available kinds: ${available.join(', ')}` },
      ]);
    }
    await this.assertDepartment(input.departmentId);
    const secrets = Object.fromEntries(Object.entries(input.secrets).filter(([, v]) => v !== null));
    secrets[WEBHOOK_SECRET_KEY] ??= newWebhookSecret();
    try {
      const [created] = await this.models.Inbox.insertMany([
        {
          kind: input.kind,
          name: input.name,
          ...(input.departmentId ? { departmentId: new Types.ObjectId(input.departmentId) } : {}),
          enabled: input.enabled,
          ...(input.reopenWindowDays !== undefined ? { reopenWindowDays: input.reopenWindowDays } : {}),
          publicSettings: input.settings,
          ...(Object.keys(secrets).length ? { settingsCipher: this.box.seal(JSON.stringify(secrets)) } : {}),
          health: { status: 'unknown' },
        },
      ]);
      this.changed(String(created!._id));
      return await this.toPublic(created!.toObject() as Inbox);
    } catch (err) {
      if (isDuplicateKeyError(err)) throw new ConflictError('NAME_TAKEN', 'An inbox with this name exists');
      throw err;
    }
  }

  async update(viewer: Viewer, id: string, input: z.infer<typeof UpdateInboxSchema>): Promise<PublicInbox> {
    requireAdmin(viewer);
    const inbox = await this.load(id);
    if (input.departmentId) await this.assertDepartment(input.departmentId);
    const set: Record<string, unknown> = {};
    const unset: Record<string, unknown> = {};
    if (input.name !== undefined) set.name = input.name;
    if (input.enabled !== undefined) set.enabled = input.enabled;
    if (input.reopenWindowDays !== undefined) set.reopenWindowDays = input.reopenWindowDays;
    if (input.settings !== undefined) set.publicSettings = input.settings;
    if (input.departmentId === null) unset.departmentId = 1;
    else if (input.departmentId) set.departmentId = new Types.ObjectId(input.departmentId);
    if (input.secrets && Object.keys(input.secrets).length) {
      const merged: Record<string, string> = { ...this.secretsOf(inbox) };
      for (const [k, v] of Object.entries(input.secrets)) {
        if (v === null) delete merged[k];
        else merged[k] = v;
      }
      set.settingsCipher = this.box.seal(JSON.stringify(merged));
    }
    try {
      await this.models.Inbox.updateOne({ _id: inbox._id }, { ...(Object.keys(set).length ? { $set: set } : {}), ...(Object.keys(unset).length ? { $unset: unset } : {}) });
    } catch (err) {
      if (isDuplicateKeyError(err) || (err as { code?: number }).code === 1) throw new ConflictError('NAME_TAKEN', 'An inbox with this name exists');
      throw err;
    }
    this.changed(id);
    return this.get(id, viewer);
  }

  /**
   * Deletes an inbox that no ticket references; one with tickets is refused (409 INBOX_HAS_TICKETS: disable it
   * instead, the history stays readable). No transactions on the embedded database, so a ticket created between
   * the check and the delete is caught by a second check after it, which puts the inbox back (same `_id`).
   */
  async remove(viewer: Viewer, id: string): Promise<void> {
    requireAdmin(viewer);
    const inbox = await this.load(id);
    const refused = () => new ConflictError('INBOX_HAS_TICKETS', 'Tickets belong to this inbox: disable it instead');
    if (await this.models.Ticket.exists({ inboxId: inbox._id })) throw refused();
    await this.models.Inbox.deleteOne({ _id: inbox._id });
    if (await this.models.Ticket.exists({ inboxId: inbox._id })) {
      await this.models.Inbox.insertMany([inbox]).catch(() => undefined);
      throw refused();
    }
    // The channel runtime stops the inbox's adapter and session when it no longer finds it.
    this.changed(id);
  }

  /** Settings for the adapter: public and secret merged (`imap.password` into `imap`). Never send this to a client or a log. */
  async runtimeSettings(id: string): Promise<Record<string, unknown>> {
    const inbox = await this.load(id);
    const merged: Record<string, unknown> = structuredClone(inbox.publicSettings);
    for (const [key, value] of Object.entries(this.secretsOf(inbox))) {
      const [group, name] = key.split('.');
      if (!name) merged[key] = value;
      else merged[group!] = { ...(typeof merged[group!] === 'object' && merged[group!] !== null ? (merged[group!] as object) : {}), [name]: value };
    }
    return merged;
  }

  /** Kind and enabled flag, for the channel runtime. */
  async kindOf(id: string): Promise<{ kind: Inbox['kind']; enabled: boolean }> {
    const inbox = await this.load(id);
    return { kind: inbox.kind, enabled: inbox.enabled };
  }

  async reportHealth(id: string, health: { status: Inbox['health']['status']; detail?: string; qr?: string }): Promise<void> {
    const at = new Date();
    await this.models.Inbox.updateOne({ _id: id }, { $set: { health: { ...health, checkedAt: at } } });
    this.bus.publish({
      type: 'channel.state_changed',
      at: at.toISOString(),
      inboxId: id,
      status: health.status,
      ...(health.detail ? { detail: health.detail } : {}),
      ...(health.qr ? { qr: health.qr } : {}),
    });
  }

  private secretsOf(inbox: Inbox): Record<string, string> {
    return inbox.settingsCipher ? (JSON.parse(this.box.open(inbox.settingsCipher)) as Record<string, string>) : {};
  }

  private async load(id: string): Promise<Inbox> {
    const inbox = Types.ObjectId.isValid(id) ? await this.models.Inbox.findById(id).lean() : null;
    if (!inbox) throw new NotFoundError('Inbox');
    return inbox;
  }

  private async assertDepartment(id: string | null | undefined): Promise<void> {
    if (id && !(await this.models.Department.exists({ _id: id }))) {
      throw new ValidationError('Unknown department', [{ path: 'departmentId', message: 'no department with this id' }]);
    }
  }

  private async toPublic(i: Inbox, viewer?: Viewer): Promise<PublicInbox> {
    const lease = await this.options.leases?.current(String(i._id)).catch(() => undefined);
    const { qr, ...healthWithoutQr } = i.health;
    const publicSettings = i.publicSettings as Record<string, unknown>;
    return {
      id: String(i._id),
      kind: i.kind,
      name: i.name,
      departmentId: i.departmentId ? String(i.departmentId) : null,
      enabled: i.enabled,
      reopenWindowDays: i.reopenWindowDays ?? null,
      settings: i.publicSettings,
      secretKeys: Object.keys(this.secretsOf(i)).sort(),
      health: viewer && viewer.role !== 'admin' ? healthWithoutQr : { ...healthWithoutQr, ...(qr ? { qr } : {}) },
      webhookUrl: webhookUrlOf(publicBaseUrlOf(publicSettings, this.options.publicUrl), i.kind, String(i._id)),
      session: lease ? { holder: lease.holder, expiresAt: lease.expiresAt } : null,
      createdAt: i.createdAt,
    };
  }
}

const newWebhookSecret = () => randomBytes(24).toString('base64url');
