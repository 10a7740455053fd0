import type { Logger } from 'pino';
import type { ContactCache } from '../contacts/contact-cache.js';
import type { ChannelRegistry } from '../domain/channel-adapter.js';
import type { MessageReceived } from '../domain/inbound-event.js';
import type { Models } from '../models/registry.js';

/** A failed profile lookup (no permission, person gone) is not asked again for this long. */
const RETRY_AFTER_FAILURE_MS = 60 * 60_000;

/**
 * Step before placing a message from a platform whose webhooks carry only an id (Messenger's PSID): when the
 * sender's contact has no name yet, the inbox's adapter is asked for the profile (`profileFor`), and the name
 * and picture go into the event — the contact resolver keeps them on the new or unnamed contact, so it is
 * asked once per contact. The enriched event is stored, so a re-run does not ask again. A failed lookup
 * never holds the message back.
 */
export class SenderProfiles {
  private readonly failedAt = new Map<string, number>();

  constructor(
    private readonly models: Models,
    private readonly channels: ChannelRegistry,
    private readonly contacts: ContactCache,
    private readonly logger: Logger,
  ) {}

  async resolve(event: MessageReceived): Promise<MessageReceived> {
    if (event.sender.displayName) return event;
    const adapter = this.channels.adapterFor(event.inboxId);
    if (!adapter?.profileFor) return event;
    const keys = event.sender.identityKeys ?? [];
    if (keys.length === 0 || (await this.hasName(keys))) return event;
    const handle = event.sender.handle;
    const failed = this.failedAt.get(`${event.inboxId}:${handle}`);
    if (failed !== undefined && Date.now() - failed < RETRY_AFTER_FAILURE_MS) return event;
    try {
      const profile = await adapter.profileFor(handle);
      if (!profile?.displayName && !profile?.avatarUrl) return event;
      const enriched: MessageReceived = {
        ...event,
        sender: {
          ...event.sender,
          ...(profile.displayName ? { displayName: profile.displayName.slice(0, 200) } : {}),
          ...(profile.avatarUrl && profile.avatarUrl.length <= 4000 ? { avatarUrl: profile.avatarUrl } : {}),
        },
      };
      await this.models.InboundEvent.updateOne(
        { _id: event.providerKey },
        { $set: { payloadJson: JSON.stringify(enriched) } },
      );
      return enriched;
    } catch (err) {
      if (this.failedAt.size > 10_000) this.failedAt.clear();
      this.failedAt.set(`${event.inboxId}:${handle}`, Date.now());
      this.logger.warn(
        { err, providerKey: event.providerKey },
        'sender profile not retrieved; the message goes on without it',
      );
      return event;
    }
  }

  /** Whether the contact owning one of the keys has a name (reads by `_id` only). */
  private async hasName(keys: string[]): Promise<boolean> {
    const cached = this.contacts.get(keys);
    if (cached) return Boolean(cached.name);
    for (const key of keys) {
      const identity = await this.models.ContactIdentity.findById(key).lean();
      if (!identity) continue;
      const contact = await this.models.Contact.findById(identity.contactId).lean();
      return Boolean(contact?.name);
    }
    return false;
  }
}
