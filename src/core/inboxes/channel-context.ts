import type { Logger } from 'pino';
import type { GridFsBlobStore } from '../attachments/blob-store.js';
import type { ChannelContext, ChannelStateStore } from '../domain/channel-adapter.js';
import type { IngestService } from '../ingest/ingest-service.js';
import type { Models } from '../models/registry.js';
import type { InboxService } from './inbox-service.js';

function stateStore(models: Models, inboxId: string): ChannelStateStore {
  return {
    async get<T>(key: string) {
      const doc = await models.ChannelState.findById(`${inboxId}:${key}`).lean();
      return doc ? (JSON.parse(doc.valueJson) as T) : undefined;
    },
    async set(key: string, value: unknown) {
      await models.ChannelState.updateOne(
        { _id: `${inboxId}:${key}` },
        { $set: { inboxId, key, valueJson: JSON.stringify(value), updatedAt: new Date() } },
        { upsert: true },
      );
    },
  };
}

/** What a running adapter gets from the core: ingest, durable state, blobs, health — nothing else. */
export async function createChannelContext(
  deps: { models: Models; ingest: IngestService; inboxes: InboxService; blobs: GridFsBlobStore },
  inboxId: string,
  logger: Logger,
): Promise<ChannelContext> {
  return {
    inboxId,
    settings: await deps.inboxes.runtimeSettings(inboxId),
    state: stateStore(deps.models, inboxId),
    blobs: deps.blobs,
    emit: async (events) => {
      const { accepted, duplicates } = await deps.ingest.accept(events);
      return { accepted, duplicates };
    },
    reportHealth: (health) => deps.inboxes.reportHealth(inboxId, health),
    logger: logger.child({ inboxId }),
  };
}
