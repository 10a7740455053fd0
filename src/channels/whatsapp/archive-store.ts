import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChannelContext } from '../../core/domain/channel-adapter.js';
import type { RemoteSessionStore } from './port.js';
import { readZipEntryNames, ZipFormatError } from './zip-archive.js';

/** Where the archive pointer lives in the inbox's channel state. */
export const ARCHIVE_STATE_KEY = 'whatsapp.sessionArchive';

export interface ArchiveRecord {
  blobId: string;
  sha256: string;
  size: number;
  entries: number;
  savedAt: string;
}
export interface ArchivePointer {
  current?: ArchiveRecord;
  /** The good archive before `current`: the fallback when `current` turns out unusable. */
  previous?: ArchiveRecord;
}

export interface ArchiveStoreOptions {
  /** Smaller than this is not a session (a real one is megabytes). */
  minBytes?: number;
  /** An entry with one of these prefixes must be in the archive (WhatsApp Web keeps its keys in IndexedDB). */
  requiredPrefixes?: string[];
}

/**
 * RemoteAuth's store, on our database: the session archive (a ZIP of the browser profile's `Default/`
 * folder) kept in GridFS (`ctx.blobs`) and a pointer in the inbox's state (`ctx.state`).
 *
 * Hubs that trusted whatever archive they found have restored empty ones (a save taken before the profile
 * was written, a truncated upload) and asked for a new QR scan. So an archive is checked on the way in
 * (never replace a good one with a bad one) and on the way out (size, the sha256 recorded at save, a
 * readable ZIP with the expected entries), and the previous good archive is kept as a fallback. What
 * happened is told to `notice`, which the adapter shows in the inbox health.
 */
export class SessionArchiveStore implements RemoteSessionStore {
  private readonly minBytes: number;
  private readonly requiredPrefixes: string[];
  /** The archive `sessionExists` chose, handed to `extract` right after (RemoteAuth calls them in a row). */
  private chosen: Buffer | undefined;

  constructor(
    private readonly ctx: Pick<ChannelContext, 'blobs' | 'state' | 'logger'>,
    private readonly dataPath: string,
    private readonly notice: (detail: string | undefined) => void,
    options: ArchiveStoreOptions = {},
  ) {
    this.minBytes = options.minBytes ?? 4096;
    this.requiredPrefixes = options.requiredPrefixes ?? ['Default/IndexedDB/', 'Default/Local Storage/'];
  }

  async pointer(): Promise<ArchivePointer> {
    return (await this.ctx.state.get<ArchivePointer>(ARCHIVE_STATE_KEY)) ?? {};
  }

  async sessionExists(): Promise<boolean> {
    this.chosen = await this.pickUsable();
    return this.chosen !== undefined;
  }

  async extract(options: { session: string; path: string }): Promise<void> {
    const archive = this.chosen ?? (await this.pickUsable());
    this.chosen = undefined;
    if (!archive) throw new Error('no usable WhatsApp session archive to extract');
    await mkdir(path.dirname(options.path), { recursive: true });
    await writeFile(options.path, archive);
  }

  /** RemoteAuth has zipped the profile to `<dataPath>/<session>.zip`; it tells us only the session name. */
  async save(options: { session: string }): Promise<void> {
    const file = path.join(this.dataPath, `${options.session}.zip`);
    const content = await readFile(file);
    const problem = this.problemWith(content);
    if (problem) {
      this.ctx.logger.warn({ size: content.length, problem }, 'WhatsApp session archive not stored: it is unusable');
      this.notice(`A session backup was not stored because it was unusable (${problem}); the previous one is kept.`);
      return;
    }
    const before = await this.pointer();
    const blobId = await this.ctx.blobs.put(`${options.session}.zip`, 'application/zip', content);
    const record: ArchiveRecord = {
      blobId,
      sha256: sha256(content),
      size: content.length,
      entries: readZipEntryNames(content).length,
      savedAt: new Date().toISOString(),
    };
    // The new archive is written before the pointer moves; the oldest is removed only after.
    await this.ctx.state.set(ARCHIVE_STATE_KEY, { current: record, ...(before.current ? { previous: before.current } : {}) });
    if (before.previous) await this.ctx.blobs.delete(before.previous.blobId).catch(() => undefined);
    this.ctx.logger.info({ size: record.size, entries: record.entries }, 'WhatsApp session archive stored');
    this.notice(undefined); // a good backup again: earlier trouble is history
  }

  /** Logged out: the session is worthless, every archive goes. */
  async delete(): Promise<void> {
    const before = await this.pointer();
    await this.ctx.state.set(ARCHIVE_STATE_KEY, {});
    for (const r of [before.current, before.previous]) if (r) await this.ctx.blobs.delete(r.blobId).catch(() => undefined);
    this.chosen = undefined;
  }

  /**
   * The newest archive that passes the checks. An unusable newest one is dropped (and said so) and the
   * previous good one takes its place. A failure to read (the database) is thrown, not taken for a bad
   * archive: the session start fails and is tried again, and no archive is lost.
   */
  private async pickUsable(): Promise<Buffer | undefined> {
    const pointer = await this.pointer();
    const candidates = [pointer.current, pointer.previous].filter((r): r is ArchiveRecord => r !== undefined);
    const rejected: string[] = [];
    for (const [i, record] of candidates.entries()) {
      const content = await this.ctx.blobs.get(record.blobId);
      const problem =
        content.length !== record.size
          ? `${content.length} bytes, ${record.size} were saved`
          : sha256(content) !== record.sha256
          ? 'checksum does not match the one recorded at save'
          : this.problemWith(content);
      if (!problem) {
        if (i > 0 || rejected.length) {
          // The fallback becomes the current archive; the bad one is removed.
          await this.ctx.state.set(ARCHIVE_STATE_KEY, { current: record });
          for (const bad of candidates.slice(0, i)) await this.ctx.blobs.delete(bad.blobId).catch(() => undefined);
          this.notice(
            `The newest session backup was unusable (${rejected.join('; ')}); restored the previous one from ${record.savedAt}.`,
          );
        }
        return content;
      }
      this.ctx.logger.warn({ blobId: record.blobId, savedAt: record.savedAt, problem }, 'WhatsApp session archive unusable');
      rejected.push(`${i === 0 ? 'newest' : 'previous'}: ${problem}`);
    }
    if (rejected.length) {
      await this.ctx.state.set(ARCHIVE_STATE_KEY, {});
      for (const bad of candidates) await this.ctx.blobs.delete(bad.blobId).catch(() => undefined);
      this.notice(`No usable session backup (${rejected.join('; ')}): scan the QR code to pair again.`);
    }
    return undefined;
  }

  /** Why this archive cannot be a session, or undefined when it looks like one. */
  private problemWith(content: Buffer): string | undefined {
    if (content.length < this.minBytes) return `${content.length} bytes, expected at least ${this.minBytes}`;
    let names: string[];
    try {
      names = readZipEntryNames(content);
    } catch (err) {
      if (err instanceof ZipFormatError) return `not a readable ZIP: ${err.message}`;
      throw err;
    }
    const files = names.filter((n) => !n.endsWith('/'));
    if (!this.requiredPrefixes.some((prefix) => files.some((n) => n.startsWith(prefix)))) {
      return `no browser profile data in it (${files.length} files, none under ${this.requiredPrefixes.join(' or ')})`;
    }
    return undefined;
  }
}

function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}
