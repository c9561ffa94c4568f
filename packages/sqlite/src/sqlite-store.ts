import {
  addCounter,
  CacheError,
  decodeCounter,
  encodeCounter,
  InvalidValueError,
  type Store,
  type StoreCapabilities,
  StoreClosedError,
  type StoreEntry,
  StoreError,
  type StoreOperationOptions,
  ValueTooLargeError,
} from '@cache/core';
import {
  chunks,
  distinctKeys,
  expiresAtFor,
  isLive,
  lastWriteWins,
  lookupBatchSize,
  type PruneOptions,
  PruneTimer,
  resolveMaxValueBytes,
  resolveSqlTableOptions,
  SqlStatements,
  sqliteDialect,
  storedKeyForm,
  toBytes,
  toInteger,
  validatePruneLimit,
  valuesInKeyOrder,
} from '@cache/sql';
import type Database from 'better-sqlite3';
import { openDatabase } from './open-database.js';
import { assertConnectionOptions, type SqliteStoreOptions } from './options.js';
import { PreparedStatements } from './prepared-statements.js';

const DRIVER = 'sqlite';

/**
 * A {@link Store} in a SQLite database, on better-sqlite3.
 *
 * Statement texts, validation and semantics are `@cache/sql`'s (SQLite dialect):
 * table `(prefix, cache_key, value, expires_at)` with primary key
 * `(prefix, cache_key)` and an index on `expires_at`, created on first use.
 * Execution is synchronous on cached prepared statements, which is what makes a
 * hit cost little more than the raw `SELECT`.
 *
 * Several processes may share one file: writers are serialised by SQLite's
 * database lock (waiting up to the busy timeout), `add` is one
 * `INSERT … ON CONFLICT DO UPDATE … WHERE expired` statement and `increment` a
 * `BEGIN IMMEDIATE` transaction, so both are atomic across processes.
 */
export class SqliteStore implements Store {
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
  private session: Session | undefined;
  private closed = false;

  /**
   * @param options - `{ filename }` (the store opens, owns and closes the file) or
   *   `{ database }` (never closed by the store), plus table, prefix and pruning options
   * @throws `ConfigError` for invalid options, before the database is touched
   */
  constructor(options: SqliteStoreOptions) {
    assertConnectionOptions(options);
    const resolved = resolveSqlTableOptions(options);
    this.maxValueBytes = resolveMaxValueBytes(options.maxValueBytes, sqliteDialect.maxValueBytes);
    this.sql = new SqlStatements(sqliteDialect, resolved.table);
    this.prefix = resolved.prefix;
    this.createTable = resolved.createTable;
    if (options.database !== undefined) {
      this.database = options.database;
      this.ownsDatabase = false;
    } else {
      this.database = openDatabase(options);
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
        resolved.onPruneError,
      );
      this.pruneTimer.start();
    }
  }

  /** @inheritDoc */
  async get(key: string, options?: StoreOperationOptions): Promise<Uint8Array | undefined> {
    // The hot path: kept to the checks, one prepared statement and a copy-free view.
    if (this.closed) throw new StoreClosedError(DRIVER);
    if (options !== undefined) options.signal?.throwIfAborted();
    let raw: unknown;
    try {
      raw = (this.session ?? this.startSession()).statements.get.get(this.prefix, key, Date.now());
    } catch (error) {
      throw failure('get', error);
    }
    return raw === undefined ? undefined : toBytes(raw);
  }

  /** One `IN (…)` query per 512 distinct keys. */
  async getMany(
    keys: readonly string[],
    options?: StoreOperationOptions,
  ): Promise<(Uint8Array | undefined)[]> {
    this.begin(options);
    if (keys.length === 0) return [];
    try {
      const statements = this.open().statements;
      const max = this.sql.maxLookupBatch;
      const found = new Map<string, Uint8Array>();
      const now = Date.now();
      for (const batch of chunks(distinctKeys(keys), max)) {
        const size = lookupBatchSize(batch.length, max);
        const params: unknown[] = [this.prefix, ...batch];
        // Pad to the statement's size by repeating a key: harmless inside IN (…).
        while (params.length < size + 1) params.push(batch[batch.length - 1]);
        params.push(now);
        for (const [storedKey, value] of statements.getMany(size).all(...params) as [string, unknown][]) {
          found.set(storedKey, toBytes(value));
        }
      }
      return valuesInKeyOrder(keys, (key) => found.get(storedKeyForm(key)));
    } catch (error) {
      throw failure('getMany', error);
    }
  }

  /** @inheritDoc */
  async set(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<void> {
    if (this.closed) throw new StoreClosedError(DRIVER);
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
    this.begin(options);
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
   * @inheritDoc
   * @throws `NotNumericError` when the live value is not a decimal integer (left
   *   unchanged) or the result leaves the safe integer range; `InvalidValueError`
   *   when `delta` is not a safe integer
   */
  async increment(key: string, delta: number, ttl: number, options?: StoreOperationOptions): Promise<number> {
    this.begin(options);
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
    this.begin(options);
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
    try {
      const statements = this.open().statements;
      const max = this.sql.maxLookupBatch;
      for (const batch of chunks(distinctKeys(keys), max)) {
        const size = lookupBatchSize(batch.length, max);
        const params: unknown[] = [this.prefix, ...batch];
        while (params.length < size + 1) params.push(batch[batch.length - 1]);
        statements.deleteMany(size).run(...params);
      }
    } catch (error) {
      throw failure('deleteMany', error);
    }
  }

  /** @inheritDoc */
  async deleteIfEquals(key: string, expected: Uint8Array, options?: StoreOperationOptions): Promise<boolean> {
    this.begin(options);
    try {
      return this.open().statements.deleteIfEquals.run(this.prefix, key, expected, Date.now()).changes > 0;
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
   * prefix (expired rows are invisible to all readers).
   *
   * @returns the number of rows deleted
   */
  async prune(options: PruneOptions = {}): Promise<number> {
    const limit = validatePruneLimit(options.limit ?? 1_000);
    this.begin(options);
    try {
      return this.open().statements.prune.run(Date.now(), limit).changes;
    } catch (error) {
      throw failure('prune', error);
    }
  }

  /**
   * Stops the prune timer and closes the database when the store opened it; an
   * injected database stays open. Idempotent; later operations reject with
   * `StoreClosedError`.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pruneTimer?.stop();
    if (this.ownsDatabase && this.database.open) {
      try {
        this.database.close();
      } catch (error) {
        throw failure('close', error);
      }
    }
  }

  private begin(options: StoreOperationOptions | undefined): void {
    if (this.closed) throw new StoreClosedError(DRIVER);
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
    const db = this.database;
    if (this.createTable) {
      for (const ddl of this.sql.createTable) {
        try {
          db.prepare(ddl).run();
        } catch (error) {
          // Another process created it between our IF NOT EXISTS check and ours.
          if (!sqliteDialect.isAlreadyExistsError(error)) throw error;
        }
      }
    }
    const statements = new PreparedStatements(db, this.sql);
    const prefix = this.prefix;
    // BEGIN IMMEDIATE takes the write lock before the read, so no other process can
    // change the row between our read and our write.
    const increment = db.transaction((key: string, delta: number, expiresAt: number): number => {
      const row = statements.read.get(prefix, key) as { value: unknown; expires_at: unknown } | undefined;
      const live = row !== undefined && isLive(toInteger(row.expires_at), Date.now());
      const next = addCounter(key, live ? decodeCounter(key, toBytes(row.value)) : 0, delta);
      statements.set.run(prefix, key, encodeCounter(next), expiresAt);
      return next;
    });
    const setMany = db.transaction((rows: readonly (readonly [StoreEntry, number])[]) => {
      for (const [entry, expiresAt] of rows) statements.set.run(prefix, entry.key, entry.value, expiresAt);
    });
    this.session = {
      statements,
      increment: (key, delta, expiresAt) => increment.immediate(key, delta, expiresAt),
      setMany: (rows) => setMany.immediate(rows),
    };
    return this.session;
  }
}

/** What a store runs once its table exists. */
interface Session {
  readonly statements: PreparedStatements;
  /** The increment as one `BEGIN IMMEDIATE` transaction. */
  increment(key: string, delta: number, expiresAt: number): number;
  /** Upserts `[entry, expires_at]` rows in one `BEGIN IMMEDIATE` transaction. */
  setMany(rows: readonly (readonly [StoreEntry, number])[]): void;
}

/** Our typed errors pass through; better-sqlite3's become `StoreError`. */
function failure(operation: string, error: unknown): unknown {
  if (error instanceof CacheError) return error;
  return new StoreError(DRIVER, operation, error);
}
