import {
  assertStoreKey,
  CacheError,
  InvalidValueError,
  type Store,
  type StoreCapabilities,
  type StoreEntry,
  StoreError,
  StoreLifecycle,
  type StoreOperationOptions,
  type SyncReadStore,
  ValueTooLargeError,
} from '@cache/core';
import {
  chunks,
  DEFAULT_PREFIX,
  distinctKeys,
  expiresAtFor,
  lastWriteWins,
  lookupBatchSize,
  type PruneOptions,
  PruneTimer,
  resolveMaxValueBytes,
  resolveSqlTableOptions,
  SqlStatements,
  sqliteDialect,
  toValueBytes,
  validatePruneLimit,
  valuesInKeyOrder,
} from '@cache/sql/internal';
import type Database from 'better-sqlite3';
import { openDatabase } from './open-database.js';
import { assertConnectionOptions, isPrivateDatabase, type SqliteStoreOptions } from './options.js';
import { openSession, PRUNE_WINDOW, type Session } from './session.js';

const DRIVER = 'sqlite';

/**
 * A {@link Store} in a SQLite database, on better-sqlite3.
 *
 * Statement texts, validation and semantics are `@cache/sql`'s (SQLite dialect):
 * a `WITHOUT ROWID` table `(prefix, cache_key, value, expires_at)` with primary
 * key `(prefix, cache_key)` and no other index, created on first use.
 * Execution is synchronous on cached prepared statements, which is what makes a
 * hit cost little more than the raw `SELECT`.
 *
 * Several processes may share one file: writers are serialised by SQLite's
 * database lock (waiting up to the busy timeout), `add` is one
 * `INSERT … ON CONFLICT DO UPDATE … WHERE expired` statement and `increment` a
 * `BEGIN IMMEDIATE` transaction, so both are atomic across processes.
 *
 * Every call runs to completion synchronously before its promise is returned,
 * so `close()` never has a call in flight to wait for; it refuses later calls
 * (`StoreClosedError`) through the same `StoreLifecycle` as the other drivers.
 */
export class SqliteStore implements SyncReadStore {
  /** Driver name: `'sqlite'`. */
  readonly name = DRIVER;
  /** Shared and durable for a file database, neither for `:memory:`; 1 ms TTL resolution. */
  readonly capabilities: StoreCapabilities;
  /** This store's prefix. */
  readonly prefix: string;
  /** The better-sqlite3 database (owned by the store when it was opened from `filename`). */
  readonly database: Database.Database;

  private readonly sql: SqlStatements;
  private readonly ownsDatabase: boolean;
  private readonly createTable: boolean;
  private readonly maxValueBytes: number | undefined;
  private readonly pruneTimer: PruneTimer | undefined;
  private readonly lifecycle = new StoreLifecycle(DRIVER);
  private session: Session | undefined;

  /**
   * @param options - `{ filename }` (the store opens, owns and closes the file) or
   *   `{ database }` (never closed by the store), plus table, prefix and pruning options
   * @throws `ConfigError` for invalid options (a file database without `prefix`
   *   among them), before the database is touched
   */
  constructor(options: SqliteStoreOptions) {
    const busyTimeoutMs = assertConnectionOptions(options);
    const resolved = resolveSqlTableOptions(
      options,
      isPrivateDatabase(options)
        ? { driver: 'SqliteStore', required: false, fallback: DEFAULT_PREFIX }
        : { driver: 'SqliteStore (on a file)', required: true },
    );
    this.maxValueBytes = resolveMaxValueBytes(options.maxValueBytes, sqliteDialect.maxValueBytes);
    this.sql = new SqlStatements(sqliteDialect, resolved.table);
    this.prefix = resolved.prefix;
    this.createTable = resolved.createTable;
    if (options.database !== undefined) {
      this.database = options.database;
      this.ownsDatabase = false;
    } else {
      this.database = openDatabase(options, busyTimeoutMs);
      this.ownsDatabase = true;
    }
    const onDisk = !this.database.memory;
    this.capabilities = {
      shared: onDisk,
      durable: onDisk,
      ttlResolutionMs: 1,
      maxValueBytes: this.maxValueBytes,
    };
    if (resolved.pruneIntervalMs > 0) {
      const limit = resolved.pruneLimit;
      this.pruneTimer = new PruneTimer(
        resolved.pruneIntervalMs,
        () => this.prune({ limit }),
        resolved.onBackgroundError,
      );
      this.pruneTimer.start();
    }
  }

  /** @inheritDoc */
  async get(key: string, options?: StoreOperationOptions): Promise<Uint8Array | undefined> {
    this.lifecycle.assertOpen();
    assertStoreKey(key);
    if (options !== undefined) options.signal?.throwIfAborted();
    return this.read(key);
  }

  /**
   * `get`, synchronously (SQLite answers in-process): what lets `cache.get` skip a
   * promise per layer. Throws what `get` rejects with.
   */
  getSync(key: string): Uint8Array | undefined {
    this.lifecycle.assertOpen();
    assertStoreKey(key);
    return this.read(key);
  }

  /** One `IN (…)` query per 512 distinct keys. */
  async getMany(
    keys: readonly string[],
    options?: StoreOperationOptions,
  ): Promise<(Uint8Array | undefined)[]> {
    this.begin(options);
    if (keys.length === 0) return [];
    const distinct = distinctKeys(keys);
    for (const key of distinct) assertStoreKey(key);
    try {
      const statements = this.open().statements;
      const max = this.sql.maxLookupBatch;
      const found = new Map<string, Uint8Array>();
      const now = Date.now();
      for (const batch of chunks(distinct, max)) {
        const size = lookupBatchSize(batch.length, max);
        const params: unknown[] = [this.prefix, ...batch];
        // Pad to the statement's size by repeating a key: harmless inside IN (…).
        while (params.length < size + 1) params.push(batch[batch.length - 1]);
        params.push(now);
        for (const [storedKey, value] of statements.getMany(size).all(...params) as [string, unknown][]) {
          found.set(storedKey, toValueBytes(value, storedKey));
        }
      }
      // Keys are well-formed UTF-16 (checked above), so the stored text is the key itself.
      return valuesInKeyOrder(keys, (key) => found.get(key));
    } catch (error) {
      throw failure('getMany', error);
    }
  }

  /** @inheritDoc */
  async set(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<void> {
    this.lifecycle.assertOpen();
    assertStoreKey(key);
    if (options !== undefined) options.signal?.throwIfAborted();
    if (this.maxValueBytes !== undefined && value.byteLength > this.maxValueBytes) {
      throw new ValueTooLargeError(key, value.byteLength, this.maxValueBytes);
    }
    const expiresAt = expiresAtFor(ttl, Date.now());
    try {
      (this.session ?? this.startSession()).statements.set.run(this.prefix, key, value, expiresAt);
    } catch (error) {
      throw failure('set', error);
    }
  }

  /** All entries in one write transaction (the last of duplicate keys wins). */
  async setMany(entries: readonly StoreEntry[], options?: StoreOperationOptions): Promise<void> {
    this.begin(options);
    const now = Date.now();
    const rows = lastWriteWins(entries).map((entry): [StoreEntry, number] => {
      assertStoreKey(entry.key);
      this.assertSize(entry.key, entry.value);
      return [entry, expiresAtFor(entry.ttl, now)];
    });
    if (rows.length === 0) return;
    try {
      this.open().setMany(rows);
    } catch (error) {
      throw failure('setMany', error);
    }
  }

  /** @inheritDoc */
  async add(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<boolean> {
    this.begin(options, key);
    this.assertSize(key, value);
    const now = Date.now();
    const expiresAt = expiresAtFor(ttl, now);
    try {
      return this.open().statements.add.run(this.prefix, key, value, expiresAt, now).changes > 0;
    } catch (error) {
      throw failure('add', error);
    }
  }

  /**
   * {@inheritDoc "@cache/core"!Store.increment}
   *
   * @throws `NotNumericError` when the live value is not a decimal integer (left
   *   unchanged) or the result leaves the safe integer range; `InvalidValueError`
   *   when `delta` is not a safe integer
   */
  async increment(key: string, delta: number, ttl: number, options?: StoreOperationOptions): Promise<number> {
    this.begin(options, key);
    if (!Number.isSafeInteger(delta)) {
      throw new InvalidValueError(`increment delta must be a safe integer, got ${delta}`);
    }
    const expiresAt = expiresAtFor(ttl, Date.now());
    try {
      return this.open().increment(key, delta, expiresAt);
    } catch (error) {
      throw failure('increment', error);
    }
  }

  /** @inheritDoc */
  async delete(key: string, options?: StoreOperationOptions): Promise<void> {
    this.begin(options, key);
    try {
      this.open().statements.delete.run(this.prefix, key);
    } catch (error) {
      throw failure('delete', error);
    }
  }

  /** @inheritDoc */
  async deleteMany(keys: readonly string[], options?: StoreOperationOptions): Promise<void> {
    this.begin(options);
    if (keys.length === 0) return;
    const distinct = distinctKeys(keys);
    for (const key of distinct) assertStoreKey(key);
    try {
      const statements = this.open().statements;
      const max = this.sql.maxLookupBatch;
      for (const batch of chunks(distinct, max)) {
        const size = lookupBatchSize(batch.length, max);
        const params: unknown[] = [this.prefix, ...batch];
        while (params.length < size + 1) params.push(batch[batch.length - 1]);
        statements.deleteMany(size).run(...params);
      }
    } catch (error) {
      throw failure('deleteMany', error);
    }
  }

  /**
   * Atomic compare-and-delete: deletes only when the stored bytes equal `expected`.
   * Resolves whether it deleted. A TEXT value (written by another tool) is compared
   * by its UTF-8 bytes.
   *
   * @throws `CorruptPayloadError` when the live value is neither a BLOB nor TEXT
   *   (an INTEGER or REAL written by another tool): it can equal no bytes, and
   *   saying "not equal" would hide it
   */
  async deleteIfEquals(key: string, expected: Uint8Array, options?: StoreOperationOptions): Promise<boolean> {
    this.begin(options, key);
    try {
      const statements = this.open().statements;
      const now = Date.now();
      if (statements.deleteIfEquals.run(this.prefix, key, expected, now).changes > 0) return true;
      // Not deleted (rare path: one more read): absent, different bytes, TEXT, or not bytes at all.
      const raw = statements.get.get(this.prefix, key, now);
      if (raw === undefined) return false;
      const stored = toValueBytes(raw, key);
      if (
        typeof raw !== 'string' ||
        !Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength).equals(expected)
      )
        return false;
      // TEXT never equals a BLOB in SQLite: compare it as the text it is.
      return statements.deleteIfEquals.run(this.prefix, key, raw, now).changes > 0;
    } catch (error) {
      throw failure('deleteIfEquals', error);
    }
  }

  /** Deletes this prefix's rows (`DELETE … WHERE prefix = ?`, on the primary key's leading column). */
  async flush(options?: StoreOperationOptions): Promise<void> {
    this.begin(options);
    try {
      this.open().statements.flush.run(this.prefix);
    } catch (error) {
      throw failure('flush', error);
    }
  }

  /**
   * Deletes up to `limit` (default 1,000) expired rows of the table, of every
   * prefix (expired rows are invisible to all readers). The table has no expiry
   * index (it made every write slower), so each call walks the primary key from
   * where the previous one stopped, examining at most `PRUNE_WINDOW` (4) ×
   * `limit` rows, and wraps around at the end: a full pass over n rows takes
   * about n / (4 × limit) calls, each bounded in time.
   *
   * @returns the number of rows deleted
   * @privateRemarks The window is {@link PRUNE_WINDOW} (not exported, so code text above).
   */
  async prune(options: PruneOptions = {}): Promise<number> {
    const limit = validatePruneLimit(options.limit ?? 1_000);
    this.begin(options);
    try {
      return this.open().prune(limit);
    } catch (error) {
      throw failure('prune', error);
    }
  }

  /**
   * Stops the prune timer, refuses later calls (`StoreClosedError`), and closes
   * the database when the store opened it; an injected database stays open.
   * Idempotent: later calls return the same promise.
   */
  close(): Promise<void> {
    this.pruneTimer?.stop();
    return this.lifecycle.close(() => {
      if (!this.ownsDatabase || !this.database.open) return;
      try {
        this.database.close();
      } catch (error) {
        throw failure('close', error);
      }
    });
  }

  /** Common start of an operation: open, not aborted, and (when given) a valid key. */
  /** The hot read: one prepared statement and a copy-free view of its bytes. */
  private read(key: string): Uint8Array | undefined {
    let raw: unknown;
    try {
      raw = (this.session ?? this.startSession()).statements.get.get(this.prefix, key, Date.now());
    } catch (error) {
      throw failure('get', error);
    }
    return raw === undefined ? undefined : toValueBytes(raw, key);
  }

  private begin(options: StoreOperationOptions | undefined, key?: string): void {
    this.lifecycle.assertOpen();
    if (key !== undefined) assertStoreKey(key);
    options?.signal?.throwIfAborted();
  }

  private assertSize(key: string, value: Uint8Array): void {
    if (this.maxValueBytes !== undefined && value.byteLength > this.maxValueBytes) {
      throw new ValueTooLargeError(key, value.byteLength, this.maxValueBytes);
    }
  }

  /**
   * The prepared statements and write transactions, created with the table on
   * first use. Preparing needs the table, so it happens lazily: constructing a
   * store touches nothing.
   */
  private open(): Session {
    return this.session ?? this.startSession();
  }

  private startSession(): Session {
    this.session = openSession(this.database, this.sql, this.prefix, this.createTable);
    return this.session;
  }
}

/** Our typed errors pass through; better-sqlite3's become `StoreError`. */
function failure(operation: string, error: unknown): unknown {
  if (error instanceof CacheError) return error;
  return new StoreError(DRIVER, operation, error);
}
