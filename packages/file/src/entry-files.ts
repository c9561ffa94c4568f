import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { type DecodedHeader, decodeEntry, decodeHeader, HEADER_BYTES, isExpired } from './entry-format.js';
import { unlinkIfPresent } from './file-lock.js';
import { isErrno } from './fs-errors.js';
import { type KeyPaths, tempPath } from './layout.js';

/** What reading a key's entry file found. */
export type EntryRead =
  /** A live entry. `value` is a fresh buffer nobody else references. */
  | { readonly state: 'hit'; readonly value: Uint8Array; readonly expiresAt: number }
  /** No entry, or a file that is not ours to judge (another key's, another format version's). */
  | { readonly state: 'miss' }
  /** Our entry, but expired or corrupt: a miss that may be removed. */
  | { readonly state: 'unusable' };

/** Settings of {@link EntryFiles}. */
export interface EntryFilesSettings {
  readonly fsync: boolean;
  readonly fsyncDirectory: boolean;
  readonly fileMode: number;
  readonly dirMode: number;
}

/**
 * Reads and writes whole entry files. A write goes to a uniquely named temp file
 * in the entry's folder, is flushed (`fsync`, unless turned off) and renamed over
 * the entry: rename is atomic, so a reader opens either the old file or the new
 * one, whole, and a crash leaves at worst an orphaned temp file for `prune`.
 */
export class EntryFiles {
  /** @param settings - durability and permission settings */
  constructor(private readonly settings: EntryFilesSettings) {}

  /** Reads the entry of the key whose encoding is `keyBytes`. */
  async read(paths: KeyPaths, keyBytes: Buffer, now = Date.now()): Promise<EntryRead> {
    let file: Buffer;
    try {
      file = await readFile(paths.entry);
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return { state: 'miss' };
      throw error;
    }
    const decoded = decodeEntry(file, keyBytes);
    switch (decoded.kind) {
      case 'entry':
        if (isExpired(decoded.expiresAt, now)) return { state: 'unusable' };
        return { state: 'hit', value: decoded.value, expiresAt: decoded.expiresAt };
      case 'corrupt':
        return { state: 'unusable' };
      default:
        return { state: 'miss' };
    }
  }

  /**
   * Reads only the fixed header of the file at `path` (checked against its size,
   * not its checksum); `undefined` when there is no file.
   */
  async readHeader(path: string): Promise<DecodedHeader | undefined> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return undefined;
      throw error;
    }
    try {
      const { size } = await handle.stat();
      const head = Buffer.alloc(HEADER_BYTES);
      const { bytesRead } = await handle.read(head, 0, HEADER_BYTES, 0);
      return decodeHeader(head.subarray(0, bytesRead), size);
    } finally {
      await handle.close();
    }
  }

  /** Atomically replaces the entry file of `paths` with `body` (a whole encoded entry). */
  async write(paths: KeyPaths, body: Uint8Array): Promise<void> {
    const temp = tempPath(paths);
    const handle = await this.createFile(temp, paths.folder);
    try {
      await handle.writeFile(body);
      if (this.settings.fsync) await handle.sync();
    } catch (error) {
      await handle.close().catch(() => undefined);
      await unlinkIfPresent(temp).catch(() => undefined);
      throw error;
    }
    await handle.close();
    try {
      await rename(temp, paths.entry);
    } catch (error) {
      await unlinkIfPresent(temp).catch(() => undefined);
      throw error;
    }
    if (this.settings.fsyncDirectory) await syncDirectory(paths.folder);
  }

  /** Creates `folder` (and any missing parent) with the configured mode. */
  async ensureFolder(folder: string): Promise<void> {
    await mkdir(folder, { recursive: true, mode: this.settings.dirMode });
  }

  private async createFile(path: string, folder: string): Promise<Awaited<ReturnType<typeof open>>> {
    try {
      return await open(path, 'wx', this.settings.fileMode);
    } catch (error) {
      // Folders are created lazily: the first write into a fan-out folder lands here.
      if (!isErrno(error, 'ENOENT')) throw error;
    }
    await this.ensureFolder(folder);
    return open(path, 'wx', this.settings.fileMode);
  }
}

/** Flushes a directory's entries (the names in it) to disk. */
async function syncDirectory(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
