import { join } from 'node:path';
import {
  addCounter,
  assertStoreKey,
  bytesEqual,
  CacheError,
  copyBytes,
  decodeCounter,
  encodeCounter,
  InvalidTtlError,
  InvalidValueError,
  MAX_TTL_MS,
  NO_EXPIRY,
  type Store,
  type StoreCapabilities,
  type StoreEntry,
  StoreError,
  StoreLifecycle,
  type StoreOperationOptions,
} from '@cache/core';
import { mapConcurrent } from './concurrency.js';
import { encodeEntry, encodeKey } from './entry-format.js';
import { EntryFiles } from './entry-files.js';
import { FileLocks, type HeldLock, unlinkIfPresent } from './file-lock.js';
import { IncrementBatcher, type PendingIncrement } from './increment-batcher.js';
import { ENTRY_NAME, FANOUT_NAME, type KeyPaths, keyPaths, prefixFolderName } from './layout.js';
import { type FileStoreOptions, type ResolvedFileStoreOptions, resolveFileStoreOptions } from './options.js';
import { listNames, Pruner, removeUnusableEntry } from './pruner.js';

/** Options of {@link FileStore.prune}. */
export interface FilePruneOptions extends StoreOperationOptions {
  /** Most files to remove in this call (default: the store's `pruneLimit`, 1 000). */
  readonly limit?: number;
}

const DRIVER = 'file';

/**
 * A {@link Store} that keeps one file per entry in a directory, safe for several
 * processes (on one host, or on a shared filesystem with working `O_EXCL` and
 * atomic rename) sharing that directory.
 *
 * - `get` reads and validates a whole file (magic, version, lengths, checksum,
 *   stored key); anything wrong is a miss, never garbage.
 * - `set`/`setMany` write a temp file, `fsync` it (unless `fsync: false`) and
 *   rename it over the entry: atomic, last writer wins, no lock.
 * - `add`, `increment` and `deleteIfEquals` are read-modify-write under a per-key
 *   lock file created with `O_EXCL`, so they are atomic across processes.
 * - Expired entries are removed when read and by {@link FileStore.prune}, which
 *   also clears temp files and locks left by crashed processes.
 *
 * @example
 * ```ts
 * const store = new FileStore({ dir: '/var/cache/my-service', prefix: 'sessions' });
 * const cache = new Cache({ store });
 * ```
 */
export class FileStore implements Store {
  /** Driver name reported to observers. */
  readonly name = DRIVER;
  /** Shared across processes, durable, millisecond TTLs, no value-size cap. */
  readonly capabilities: StoreCapabilities = Object.freeze({
    shared: true,
    durable: true,
    ttlResolutionMs: 1,
  });
  /** The folder that holds this prefix's entries: `<dir>/<sanitized prefix>-<hash>`. */
  readonly directory: string;

  private readonly settings: ResolvedFileStoreOptions;
  private readonly files: EntryFiles;
  private readonly locks: FileLocks;
  private readonly pruner: Pruner;
  private readonly increments = new IncrementBatcher((key, seal) => this.applyIncrements(key, seal));
  private readonly pruneTimer: NodeJS.Timeout | undefined;
  private backgroundPrune: Promise<unknown> | undefined;
  private readonly lifecycle = new StoreLifecycle(DRIVER);

  /**
   * Validates the options; does no I/O (folders are created by the first write).
   *
   * @throws {@link "@cache/core"!ConfigError | ConfigError} for a missing `dir`, a missing or
   *   unusable `prefix`, a renamed option or out-of-range numbers and durations.
   */
  constructor(options: FileStoreOptions) {
    this.settings = resolveFileStoreOptions(options);
    const { dir, prefix, fsync, fsyncDirectory, fileMode, dirMode, onBackgroundError } = this.settings;
    this.directory = join(dir, prefixFolderName(prefix));
    this.files = new EntryFiles({ fsync, fsyncDirectory, fileMode, dirMode });
    this.locks = new FileLocks({
      staleMs: this.settings.staleLockMs,
      timeoutMs: this.settings.lockTimeoutMs,
      fileMode,
      ensureFolder: (folder) => this.files.ensureFolder(folder),
      report: onBackgroundError,
    });
    this.pruner = new Pruner({
      root: this.directory,
      files: this.files,
      locks: this.locks,
      staleTempMs: this.settings.staleTempMs,
    });
    if (this.settings.pruneIntervalMs > 0) {
      this.pruneTimer = setInterval(() => this.pruneInBackground(), this.settings.pruneIntervalMs);
      // A cache must never keep the process alive on its own.
      this.pruneTimer.unref();
    }
  }

  /** The value, or `undefined` when absent, expired, corrupt or not this store's file. */
  get(key: string, options?: StoreOperationOptions): Promise<Uint8Array | undefined> {
    return this.run('get', options, () => this.readOne(key));
  }

  /** Values in the order of `keys`, read with bounded concurrency. */
  getMany(keys: readonly string[], options?: StoreOperationOptions): Promise<(Uint8Array | undefined)[]> {
    return this.run('getMany', options, () => {
      for (const key of keys) assertStoreKey(key);
      return mapConcurrent(keys, this.settings.concurrency, (key) => this.readOne(key));
    });
  }

  /** Atomic upsert (temp file + rename). No lock: concurrent writers of one key, last rename wins. */
  set(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<void> {
    return this.run('set', options, async () => {
      const { keyBytes, paths } = this.entryOf(key);
      await this.files.write(paths, encodeEntry(keyBytes, value, expiryOf(ttl)));
    });
  }

  /** Batch upsert with bounded concurrency; for a key given twice, the later entry wins. */
  setMany(entries: readonly StoreEntry[], options?: StoreOperationOptions): Promise<void> {
    return this.run('setMany', options, async () => {
      const latest = new Map<string, [KeyPaths, Buffer]>();
      for (const { key, value, ttl } of entries) {
        // Encode (and so validate every key and TTL, and copy every value) before touching the disk.
        const { keyBytes, paths } = this.entryOf(key);
        latest.delete(key);
        latest.set(key, [paths, encodeEntry(keyBytes, value, expiryOf(ttl))]);
      }
      await mapConcurrent([...latest.values()], this.settings.concurrency, ([paths, body]) =>
        this.files.write(paths, body),
      );
    });
  }

  /** Atomic set-if-absent across processes (under the key's lock). An expired entry counts as absent. */
  add(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<boolean> {
    return this.run('add', options, async () => {
      const { keyBytes, paths } = this.entryOf(key);
      expiryOf(ttl);
      // Copied now: the caller may reuse its array while we wait for the lock.
      const copy = copyBytes(value);
      return this.withLock(paths, 'add', options?.signal, async () => {
        if ((await this.files.read(paths, keyBytes)).state === 'hit') return false;
        // The expiry is computed after the lock wait, so the TTL counts from the write.
        await this.files.write(paths, encodeEntry(keyBytes, copy, expiryOf(ttl)));
        return true;
      });
    });
  }

  /**
   * Atomic across processes (under the key's lock): adds `delta` to the decimal
   * integer at `key` (0 when missing or expired), stores it with `ttl`, resolves it.
   *
   * @throws {@link "@cache/core"!NotNumericError | NotNumericError} when the entry is not a decimal
   *   integer or the result leaves the safe range.
   */
  increment(key: string, delta: number, ttl: number, options?: StoreOperationOptions): Promise<number> {
    return this.run('increment', options, async () => {
      assertStoreKey(key);
      if (!Number.isSafeInteger(delta)) {
        throw new InvalidValueError(`increment delta must be a safe integer, got ${String(delta)}`);
      }
      expiryOf(ttl);
      return this.increments.submit(key, delta, ttl, options?.signal);
    });
  }

  /** Idempotent delete (no lock: unlink is atomic). */
  delete(key: string, options?: StoreOperationOptions): Promise<void> {
    return this.run('delete', options, async () => {
      await unlinkIfPresent(this.entryOf(key).paths.entry);
    });
  }

  /** Idempotent batch delete with bounded concurrency. */
  deleteMany(keys: readonly string[], options?: StoreOperationOptions): Promise<void> {
    return this.run('deleteMany', options, async () => {
      const entries = [...new Set(keys)].map((key) => this.entryOf(key).paths.entry);
      await mapConcurrent(entries, this.settings.concurrency, (entry) => unlinkIfPresent(entry));
    });
  }

  /** Atomic compare-and-delete across processes (under the key's lock). Resolves whether it deleted. */
  deleteIfEquals(key: string, expected: Uint8Array, options?: StoreOperationOptions): Promise<boolean> {
    return this.run('deleteIfEquals', options, async () => {
      const { keyBytes, paths } = this.entryOf(key);
      return this.withLock(paths, 'deleteIfEquals', options?.signal, async () => {
        const current = await this.files.read(paths, keyBytes);
        if (current.state === 'miss') return false;
        if (current.state === 'unusable') {
          await unlinkIfPresent(paths.entry);
          return false;
        }
        if (!bytesEqual(current.value, expected)) return false;
        return unlinkIfPresent(paths.entry);
      });
    });
  }

  /**
   * Removes every entry file of this prefix. Only files named like this store's
   * entries, inside this prefix's folder, are touched: other prefixes' folders,
   * anything else a user put there, and locks and temp files of operations in
   * flight survive.
   */
  flush(options?: StoreOperationOptions): Promise<void> {
    return this.run('flush', options, async () => {
      // Folder by folder, so that memory stays bounded however many entries there are.
      for (const folder of await listNames(this.directory, FANOUT_NAME)) {
        const path = join(this.directory, folder);
        const names = await listNames(path, ENTRY_NAME);
        await mapConcurrent(names, this.settings.concurrency, (name) => unlinkIfPresent(join(path, name)));
      }
    });
  }

  /**
   * Removes up to `limit` files nobody will read again: expired and corrupt
   * entries, temp files orphaned by crashed writers (at once when the writer was
   * a process of this host that has exited, else after `staleTempAge`), and
   * abandoned locks. Consecutive calls resume where the previous one stopped.
   * Resolves how many files it removed.
   */
  prune(options?: FilePruneOptions): Promise<number> {
    return this.run('prune', options, () => {
      const limit = options?.limit ?? this.settings.pruneLimit;
      if (!Number.isSafeInteger(limit) || limit < 1) {
        throw new InvalidValueError(`prune limit must be a positive integer, got ${String(limit)}`);
      }
      return this.pruner.run(limit, options?.signal);
    });
  }

  /**
   * Refuses new calls at once (`StoreClosedError`) and stops the background prune;
   * resolves once every call in flight, and a prune in progress, has finished.
   * Idempotent; the files stay.
   */
  close(): Promise<void> {
    if (this.pruneTimer !== undefined) clearInterval(this.pruneTimer);
    return this.lifecycle.close(async () => {
      await this.backgroundPrune;
    });
  }

  /**
   * Where `key` lives and how it is recorded in its file: the one place a key
   * becomes a path, so every key is checked here before any file is touched.
   *
   * @throws {@link InvalidKeyError} for an empty or not well-formed key.
   */
  private entryOf(key: string): { readonly keyBytes: Buffer; readonly paths: KeyPaths } {
    assertStoreKey(key);
    return { keyBytes: encodeKey(key), paths: keyPaths(this.directory, key) };
  }

  private async readOne(key: string): Promise<Uint8Array | undefined> {
    const { keyBytes, paths } = this.entryOf(key);
    const found = await this.files.read(paths, keyBytes);
    if (found.state === 'hit') return found.value;
    if (found.state === 'unusable') {
      // Clean up on the way; a failure here must not turn a miss into an error.
      await removeUnusableEntry(
        this.locks,
        paths,
        async () => (await this.files.read(paths, keyBytes)).state === 'unusable',
      ).catch(this.settings.onBackgroundError);
    }
    return undefined;
  }

  /**
   * Applies one batch of increments of `key` (see {@link IncrementBatcher}): one
   * lock, one read, the deltas in arrival order, one write. The lock wait uses no
   * caller's signal, since it serves several callers; each caller's own abort
   * still rejects that caller at once and drops its delta if not yet applied.
   */
  private async applyIncrements(key: string, seal: () => readonly PendingIncrement[]): Promise<void> {
    const { keyBytes, paths } = this.entryOf(key);
    await this.withLock(paths, 'increment', undefined, async () => {
      const batch = seal();
      if (batch.length === 0) return;
      const current = await this.files.read(paths, keyBytes);
      let value = current.state === 'hit' ? decodeCounter(key, current.value) : 0;
      const applied: Array<[PendingIncrement, number]> = [];
      let ttl = NO_EXPIRY;
      for (const item of batch) {
        try {
          value = addCounter(key, value, item.delta);
        } catch (error) {
          // This increment alone would leave the safe range: it fails, the others stand.
          item.fail(error);
          continue;
        }
        applied.push([item, value]);
        ttl = item.ttl;
      }
      if (applied.length === 0) return;
      // The expiry is computed after the lock wait, so the TTL counts from the write.
      await this.files.write(paths, encodeEntry(keyBytes, encodeCounter(value), expiryOf(ttl)));
      for (const [item, result] of applied) item.succeed(result);
    });
  }

  private async withLock<T>(
    paths: KeyPaths,
    operation: string,
    signal: AbortSignal | undefined,
    body: () => Promise<T>,
  ): Promise<T> {
    const lock: HeldLock = await this.locks.acquire(paths, operation, signal);
    try {
      return await body();
    } finally {
      await this.locks.release(lock);
    }
  }

  private pruneInBackground(): void {
    if (this.backgroundPrune !== undefined || this.lifecycle.closed) return;
    this.backgroundPrune = this.pruner
      .run(this.settings.pruneLimit)
      .catch(this.settings.onBackgroundError)
      .finally(() => {
        this.backgroundPrune = undefined;
      });
  }

  /**
   * Runs one operation: refuses after `close()` (counting it in flight until it
   * settles otherwise) or an aborted signal, and wraps any error that is not
   * already the library's (or the caller's abort reason) in a {@link StoreError}
   * naming the operation.
   */
  private run<T>(
    operation: string,
    options: StoreOperationOptions | undefined,
    body: () => Promise<T>,
  ): Promise<T> {
    return this.lifecycle.run(() => this.attempt(operation, options, body));
  }

  private async attempt<T>(
    operation: string,
    options: StoreOperationOptions | undefined,
    body: () => Promise<T>,
  ): Promise<T> {
    const signal = options?.signal;
    signal?.throwIfAborted();
    try {
      return await body();
    } catch (error) {
      if (error instanceof CacheError) throw error;
      if (signal?.aborted === true && error === signal.reason) throw error;
      throw new StoreError(DRIVER, operation, error);
    }
  }
}

/** The absolute expiry (ms since epoch, 0 = never) of an entry written now with `ttl`. */
function expiryOf(ttl: number): number {
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0 || ttl > MAX_TTL_MS) {
    throw new InvalidTtlError(
      `ttl must be ${NO_EXPIRY} or a positive number of ms up to ${MAX_TTL_MS}, got ${String(ttl)}`,
    );
  }
  return ttl === NO_EXPIRY ? 0 : Date.now() + Math.ceil(ttl);
}
