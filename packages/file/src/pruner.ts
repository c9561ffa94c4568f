import type { Stats } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DecodedHeader } from './entry-format.js';
import { isExpired } from './entry-format.js';
import type { EntryFiles } from './entry-files.js';
import { type FileLocks, unlinkIfPresent } from './file-lock.js';
import { isErrno } from './fs-errors.js';
import { isOwnerGone } from './host-identity.js';
import {
  BREAK_NAME,
  ENTRY_NAME,
  FANOUT_NAME,
  type KeyPaths,
  LOCK_NAME,
  pathsOfHash,
  TEMP_NAME,
} from './layout.js';

/** What {@link Pruner} needs from the store. */
export interface PrunerContext {
  /** The prefix folder. */
  readonly root: string;
  readonly files: EntryFiles;
  readonly locks: FileLocks;
  /** A temp file older than this (ms) is an orphan, whoever owns it. */
  readonly staleTempMs: number;
}

/**
 * Removes what nobody will read again: expired and corrupt entries, temp files
 * orphaned by a crashed writer, and abandoned locks. Only names matching the
 * store's own patterns are considered, and an entry is removed only under its
 * key's lock after re-reading it, so a concurrent `increment` or `add` is never
 * undone.
 *
 * One call removes at most `limit` files. Calls resume from the fan-out folder
 * where the previous one stopped, so repeated bounded calls cover the whole store.
 */
export class Pruner {
  /** Fan-out folder the next call starts with. */
  private nextFolder = '';

  /** @param context - the store's folder, file access and locks */
  constructor(private readonly context: PrunerContext) {}

  /** Prunes up to `limit` files; resolves how many it removed. */
  async run(limit: number, signal?: AbortSignal): Promise<number> {
    const folders = await listNames(this.context.root, FANOUT_NAME);
    if (folders.length === 0) return 0;
    folders.sort();
    const start = Math.max(
      0,
      folders.findIndex((name) => name >= this.nextFolder),
    );
    let removed = 0;
    for (let i = 0; i < folders.length; i++) {
      signal?.throwIfAborted();
      const folder = folders[(start + i) % folders.length]!;
      removed += await this.pruneFolder(folder, limit - removed, signal);
      if (removed >= limit) {
        // The folder may hold more: start there next time.
        this.nextFolder = folder;
        return removed;
      }
      this.nextFolder = folders[(start + i + 1) % folders.length]!;
    }
    return removed;
  }

  private async pruneFolder(folder: string, budget: number, signal?: AbortSignal): Promise<number> {
    const names = await listNames(join(this.context.root, folder));
    let removed = 0;
    for (const name of names) {
      if (removed >= budget) break;
      signal?.throwIfAborted();
      if (await this.pruneFile(folder, name)) removed++;
    }
    return removed;
  }

  /** Whether it removed the file `name` of fan-out folder `folder`. */
  private async pruneFile(folder: string, name: string): Promise<boolean> {
    const { root, files, locks } = this.context;
    let match = ENTRY_NAME.exec(name);
    if (match !== null) {
      const paths = pathsOfHash(root, match[1]!);
      if (!removable(await files.readHeader(paths.entry))) return false;
      return removeUnusableEntry(locks, paths, async () => removable(await files.readHeader(paths.entry)));
    }
    match = TEMP_NAME.exec(name);
    if (match !== null) {
      const path = join(root, folder, name);
      if (!isOwnerGone(match[2]!, Number(match[3]))) {
        const info = await statIfPresent(path);
        if (info === undefined || Date.now() - info.mtimeMs < this.context.staleTempMs) return false;
      }
      return unlinkIfPresent(path);
    }
    match = LOCK_NAME.exec(name);
    if (match !== null) return (await locks.breakIfStale(pathsOfHash(root, match[1]!))) === 'broken';
    match = BREAK_NAME.exec(name);
    if (match !== null) {
      const path = join(root, folder, name);
      const guard = await locks.inspect(path);
      return guard?.stale === true && unlinkIfPresent(path);
    }
    return false;
  }
}

/**
 * Removes the entry of `paths` if `stillUnusable()` confirms, under the key's
 * lock, that it is expired or corrupt. Best effort: when the lock is busy (an
 * `add`/`increment` is rewriting the entry) it does nothing. Resolves whether it
 * removed the file.
 *
 * The re-check under the lock is what keeps a locked read-modify-write safe: an
 * `increment` that rewrote the entry between our first read and now is seen here.
 * Only an unlocked `set` can still land between the re-check and the unlink, and
 * then its value is dropped, as if evicted: never resurrected stale.
 */
export async function removeUnusableEntry(
  locks: FileLocks,
  paths: KeyPaths,
  stillUnusable: () => Promise<boolean>,
): Promise<boolean> {
  const lock = await locks.tryAcquire(paths);
  if (lock === undefined) return false;
  try {
    if (!(await stillUnusable())) return false;
    return await unlinkIfPresent(paths.entry);
  } finally {
    await locks.release(lock);
  }
}

/** An entry file that is ours and expired, or ours and damaged. */
function removable(header: DecodedHeader | undefined): boolean {
  if (header === undefined) return false;
  if (header.kind === 'corrupt') return true;
  return header.kind === 'header' && isExpired(header.expiresAt, Date.now());
}

/** Names in `folder` (optionally only those matching `pattern`); none when it does not exist. */
export async function listNames(folder: string, pattern?: RegExp): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return [];
    throw error;
  }
  return pattern === undefined ? names : names.filter((name) => pattern.test(name));
}

async function statIfPresent(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
}
