import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { abortableDelay, CacheTimeoutError } from '@cache/core';
import { isErrno } from './fs-errors.js';
import { HOST_TAG, isOwnerGone } from './host-identity.js';
import { KeyedMutex } from './keyed-mutex.js';
import { type KeyPaths, tempPath } from './layout.js';

/**
 * Cross-process per-key locks: a lock file created with `O_CREAT | O_EXCL`
 * (`open(path, 'wx')`), which exactly one process can create, holding its owner
 * (host tag, pid, random token) as JSON.
 *
 * A lock whose owner crashed must not block the key forever, so a waiter breaks
 * a lock that is *stale*: its owner is a process of this host (and pid namespace)
 * that no longer runs, or it is older than `staleMs` (the only test possible for
 * another host's process), or it has no owner record (its creator died between
 * creating and writing it) and is older than a short grace period. Breaking is itself raced by every waiter, so it is serialised by a second
 * `O_EXCL` guard file, re-checks staleness under the guard, and removes the lock
 * by renaming it to a unique name first and checking that what it moved is the
 * lock it judged (same inode and content); if a live lock slipped in, it is linked
 * back.
 */

/** Settings of {@link FileLocks}. */
export interface FileLockSettings {
  /** A lock older than this (ms) is stale whoever owns it. */
  readonly staleMs: number;
  /** How long `acquire` waits in total before throwing {@link CacheTimeoutError}. */
  readonly timeoutMs: number;
  /** Mode of lock files. */
  readonly fileMode: number;
  /** Creates a fan-out folder (called after ENOENT). */
  readonly ensureFolder: (folder: string) => Promise<void>;
  /** Receives errors that must not fail the operation (e.g. a failed unlock). */
  readonly report: (error: unknown) => void;
}

/** A lock this process holds. */
export interface HeldLock {
  /** The lock file. */
  readonly path: string;
  /** Random token written into the lock file. */
  readonly token: string;
  /** `performance.now()` when it was taken. */
  readonly acquiredAt: number;
  /** Releases the in-process queue slot. */
  readonly releaseLocal: () => void;
}

/** First retry delay in ms; doubles up to {@link MAX_BACKOFF_MS}, with jitter. */
const FIRST_BACKOFF_MS = 1;
const MAX_BACKOFF_MS = 8;
/**
 * A lock file without an owner record was created by a process that died (or
 * stalled) between creating it and writing into it, microseconds apart normally.
 * Nobody can tell whether that process still runs, so such a lock is broken by
 * age, but sooner than one with an owner: after this long (or `staleMs`, if less).
 */
const UNOWNED_LOCK_GRACE_MS = 2_000;
/** A waiter checks the lock it waits for for staleness at most this often. */
const INSPECT_INTERVAL_MS = 100;

interface LockSnapshot {
  readonly stale: boolean;
  readonly content: string;
  readonly ino: number;
}

interface LockOwner {
  readonly host: string;
  readonly pid: number;
}

/** Takes, releases and breaks per-key lock files. */
export class FileLocks {
  private readonly local = new KeyedMutex();

  /** @param settings - timing, file mode and callbacks */
  constructor(private readonly settings: FileLockSettings) {}

  /**
   * Takes the lock of `paths`, waiting (in-process queue first, then polling the
   * lock file with jittered exponential backoff) until `timeoutMs` has passed.
   *
   * @throws {@link CacheTimeoutError} when the lock cannot be taken in time;
   *   `signal.reason` when `signal` aborts.
   */
  async acquire(paths: KeyPaths, operation: string, signal?: AbortSignal): Promise<HeldLock> {
    const { timeoutMs } = this.settings;
    const deadline = performance.now() + timeoutMs;
    const onTimeout = (): Error =>
      new CacheTimeoutError(`file ${operation} (waiting for the key's lock)`, timeoutMs);
    const releaseLocal = await this.local.lock(paths.lock, deadline, onTimeout, signal);
    try {
      let delay = FIRST_BACKOFF_MS;
      let lastInspection = Number.NEGATIVE_INFINITY;
      for (;;) {
        const token = await this.create(paths.lock, paths.folder);
        if (token !== undefined)
          return { path: paths.lock, token, acquiredAt: performance.now(), releaseLocal };
        const now = performance.now();
        if (now - lastInspection >= INSPECT_INTERVAL_MS) {
          lastInspection = now;
          if ((await this.breakIfStale(paths)) !== 'live') continue;
        }
        if (now >= deadline) throw onTimeout();
        signal?.throwIfAborted();
        await abortableDelay(Math.min(delay * (0.5 + Math.random() / 2), deadline - now), signal);
        delay = Math.min(delay * 2, MAX_BACKOFF_MS);
      }
    } catch (error) {
      releaseLocal();
      throw error;
    }
  }

  /** Takes the lock only if it is free right now (no waiting, no breaking); `undefined` otherwise. */
  async tryAcquire(paths: KeyPaths): Promise<HeldLock | undefined> {
    const releaseLocal = this.local.tryLock(paths.lock);
    if (releaseLocal === undefined) return undefined;
    try {
      const token = await this.create(paths.lock, paths.folder);
      if (token !== undefined)
        return { path: paths.lock, token, acquiredAt: performance.now(), releaseLocal };
    } catch (error) {
      releaseLocal();
      throw error;
    }
    releaseLocal();
    return undefined;
  }

  /**
   * Releases a lock. Never throws: the operation it protected has already
   * happened, and a lock that could not be removed goes stale and is broken.
   */
  async release(lock: HeldLock): Promise<void> {
    try {
      // Nobody breaks a lock younger than staleMs, so a short hold is certainly still ours.
      // After a long one, check the token: a waiter may have broken ours and another
      // process may hold the key now.
      if (performance.now() - lock.acquiredAt < this.settings.staleMs / 2) {
        await unlink(lock.path);
      } else {
        const content = await readFile(lock.path, 'utf8');
        if (content.includes(lock.token)) await unlink(lock.path);
      }
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) this.settings.report(error);
    } finally {
      lock.releaseLocal();
    }
  }

  /**
   * Removes the lock of `paths` when it is stale. Resolves `'broken'` when it
   * removed it, `'absent'` when there was none (either way the caller should retry
   * at once), `'live'` when it is live or another process is busy breaking it.
   */
  async breakIfStale(paths: KeyPaths): Promise<'broken' | 'absent' | 'live'> {
    const seen = await this.inspect(paths.lock);
    if (seen === undefined) return 'absent';
    if (!seen.stale) return 'live';
    if ((await this.create(paths.breaker, paths.folder)) === undefined) {
      // Another process is breaking it, or crashed while doing so: clear a stale guard.
      const guard = await this.inspect(paths.breaker);
      if (guard?.stale === true) await unlinkIfPresent(paths.breaker);
      return 'live';
    }
    try {
      const judged = await this.inspect(paths.lock);
      if (judged === undefined) return 'absent';
      if (!judged.stale) return 'live';
      const trash = tempPath(paths);
      try {
        await rename(paths.lock, trash);
      } catch (error) {
        if (isErrno(error, 'ENOENT')) return 'absent';
        throw error;
      }
      const moved = await this.inspect(trash);
      let outcome: 'broken' | 'live' = 'broken';
      if (moved !== undefined && (moved.ino !== judged.ino || moved.content !== judged.content)) {
        // Between our check and the rename the stale lock was released and a live
        // one taken: put it back, unless yet another process already took the key.
        outcome = 'live';
        await link(trash, paths.lock).catch((error: unknown) => {
          if (!isErrno(error, 'EEXIST')) this.settings.report(error);
        });
      }
      await unlinkIfPresent(trash);
      return outcome;
    } finally {
      await unlinkIfPresent(paths.breaker);
    }
  }

  /** Whether the lock or guard file at `path` is stale; `undefined` when it does not exist. */
  async inspect(path: string): Promise<LockSnapshot | undefined> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(path, 'r');
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return undefined;
      throw error;
    }
    try {
      const info = await handle.stat();
      const content = await handle.readFile('utf8');
      const owner = parseOwner(content);
      const age = Date.now() - info.mtimeMs;
      const stale =
        owner === undefined
          ? age >= Math.min(this.settings.staleMs, UNOWNED_LOCK_GRACE_MS)
          : isOwnerGone(owner.host, owner.pid) || age >= this.settings.staleMs;
      return { stale, content, ino: info.ino };
    } finally {
      await handle.close();
    }
  }

  /**
   * Creates `path` exclusively and writes this process's owner record into it.
   * Resolves the new token, or `undefined` when the file already exists.
   */
  private async create(path: string, folder: string): Promise<string | undefined> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(path, 'wx', this.settings.fileMode);
    } catch (error) {
      if (isErrno(error, 'EEXIST')) return undefined;
      if (!isErrno(error, 'ENOENT')) throw error;
      await this.settings.ensureFolder(folder);
      return this.create(path, folder);
    }
    const token = randomBytes(8).toString('hex');
    try {
      await handle.writeFile(JSON.stringify({ host: HOST_TAG, pid: process.pid, token, at: Date.now() }));
    } catch (error) {
      await handle.close().catch(() => undefined);
      await unlinkIfPresent(path);
      throw error;
    }
    await handle.close();
    return token;
  }
}

function parseOwner(content: string): LockOwner | undefined {
  try {
    const parsed: unknown = JSON.parse(content);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { host, pid } = parsed as Record<string, unknown>;
    if (typeof host === 'string' && typeof pid === 'number') return { host, pid };
  } catch {
    // An empty or half-written lock: only its age can make it stale.
  }
  return undefined;
}

/** Unlinks `path`, ignoring ENOENT. */
export async function unlinkIfPresent(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return false;
    throw error;
  }
}
