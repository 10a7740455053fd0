import { Types } from 'mongoose';
import type { Core } from '../../core/create-core.js';
import { ConflictError } from '../../core/errors/app-error.js';
import type { Viewer } from '../../core/users/viewer.js';
import { WEBCHAT_DEFAULT_GREETING, WEBCHAT_DEFAULT_TITLE } from './settings-form.js';

export const DEFAULT_WEBCHAT_INBOX_NAME = 'Website chat';

/**
 * First start: a fresh install gets a working web chat inbox (no outside
 * account needed). Does nothing once any webchat inbox exists. Uses only the
 * core's InboxService; two processes starting at once are settled by the
 * unique inbox name.
 */
export async function ensureDefaultWebchatInbox(core: Pick<Core, 'inboxes'>): Promise<{ id: string; created: boolean }> {
  const existing = (await core.inboxes.list()).find((i) => i.kind === 'webchat');
  if (existing) return { id: existing.id, created: false };
  const system: Viewer = { id: new Types.ObjectId().toHexString(), name: 'Ponte', email: 'system@ponte.local', role: 'admin', departmentIds: [] };
  try {
    const inbox = await core.inboxes.create(system, {
      kind: 'webchat',
      name: DEFAULT_WEBCHAT_INBOX_NAME,
      enabled: true,
      settings: { title: WEBCHAT_DEFAULT_TITLE, greeting: WEBCHAT_DEFAULT_GREETING },
      secrets: {},
    });
    return { id: inbox.id, created: true };
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    const raced = (await core.inboxes.list()).find((i) => i.kind === 'webchat');
    if (!raced) throw err;
    return { id: raced.id, created: false };
  }
}
