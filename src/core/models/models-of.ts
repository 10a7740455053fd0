import type { Models } from './registry.js';

const byCore = new WeakMap<object, Models>();

/**
 * The models behind a core, for tests and maintenance scripts only. `createCore` does not hand them out:
 * web, channels and realtime work through services, and dependency-cruiser forbids them from importing
 * `src/core/models/` (except types), so a back door would show.
 */
export function modelsOf(core: object): Models {
  const models = byCore.get(core);
  if (!models) throw new Error('not a core made by createCore');
  return models;
}

export function rememberModels(core: object, models: Models): void {
  byCore.set(core, models);
}
