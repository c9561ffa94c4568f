import {
  addCounter,
  CacheError,
  ConfigError,
  ConflictError,
  decodeCounter,
  encodeCounter,
  InvalidValueError,
  NotNumericError,
  type Store,
  type StoreCapabilities,
  StoreClosedError,
  type StoreEntry,
  StoreError,
  type StoreOperationOptions,
  ValueTooLargeError,
} from '@cache/core';
import { chunks, distinctKeys, lastWriteWins, valuesInKeyOrder } from './batch.js';
import { resolveSqlTableOptions, type SqlTableOptions, validatePruneLimit } from './config.js';
import type { SqlDialect } from './dialect.js';
import type { SqlCallOptions, SqlExecutor, SqlParam, SqlQueryable } from './executor.js';
import { assertStoreTtl, expiresAtFor, isLive } from './expiry.js';
import { KeyIdentity, keyHash, storedKeyForm } from './key-identity.js';
import { PruneTimer } from './prune-timer.js';
import { toBytes, toInteger } from './row-values.js';
import { lookupBatchSize, SqlStatements } from './statements.js';

/** Options of {@link SqlStore}. Dialect wrappers build these for their users. */
export interface SqlStoreOptions extends SqlTableOptions {
  /** The SQL dialect (`sqliteDialect`, `postgresDialect`, `mysqlDialect`, or your own). */
  readonly dialect: SqlDialect;
  /** Runs the statements (supplied by the wrapper around its driver). */
  readonly executor: SqlExecutor;
  /** Driver name reported to observers and in errors. Default: the dialect's name. */
  readonly name?: string;
  /** Largest value accepted, in bytes; at most the dialect's own cap. Default: the dialect's cap. */
  readonly maxValueBytes?: number;
  /**
   * Called once by `close()`: the wrapper releases what it created here (its pool),
   * and does nothing for a client the caller injected.
   */
  readonly onClose?: () => void | Promise<void>;
}

/** Options of {@link SqlStore.prune}. */
export interface PruneOptions extends StoreOperationOptions {
  /** Most rows to delete in this call. Default 1,000. */
  readonly limit?: number;
}

/** Attempts of a transactional increment that keeps losing to deadlocks or deletes. */
const MAX_TRANSACTION_ATTEMPTS = 5;
const ZERO = encodeCounter(0);

/** The row locked by a transactional increment was deleted before the locking read. */
class RowVanishedError extends Error {}

/**
 * A {@link Store} over any SQL database, given a {@link SqlDialect} and a
 * {@link SqlExecutor}. All semantics live here; `@cache/postgres` and
 * `@cache/mysql` only supply the dialect and an executor around their driver.
 *
 * Schema (created on first use unless `createTable: false`): one row per entry,
 * `(prefix, cache_key, value, expires_at)` keyed by `(prefix, cache_key)`, or
 * by `(prefix, key_hash)` where the dialect stores a SHA-256 of the key; an
 * index on `expires_at` for `prune()`. `expires_at` is integer ms since the
 * epoch, `0` for never. Expired rows are invisible to every read and are deleted
 * by {@link SqlStore.prune} (optionally on a timer).
 */
export class SqlStore implements Store {
  /** Driver name. */
  readonly name: string;
  /** Capabilities: shared, durable unless the dialect says otherwise, 1 ms TTL resolution. */
  readonly capabilities: StoreCapabilities;
  /** This store's prefix. */
  readonly prefix: string;
  /** The statements this store runs (useful for benchmarks and diagnostics). */
  readonly statements: SqlStatements;

  private readonly dialect: SqlDialect;
  private readonly executor: SqlExecutor;
  private readonly ids: KeyIdentity;
  private readonly maxValueBytes: number | undefined;
  private readonly onClose: (() => void | Promise<void>) | undefined;
  private readonly pruneTimer: PruneTimer | undefined;
  private tableReady: boolean;
  private creating: Promise<void> | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;

  /**
   * @param options - dialect, executor, table, prefix and housekeeping options
   * @throws `ConfigError` for invalid options (bad table name, prefix, missing
   *   transaction support the dialect needs), before any SQL is sent
   */
  constructor(options: SqlStoreOptions) {
    if (typeof options !== 'object' || options === null)
      throw new ConfigError('SqlStore options are required');
    const { dialect, executor } = options;
    assertDialect(dialect);
    if (typeof executor?.query !== 'function' || typeof executor.execute !== 'function') {
      throw new ConfigError('executor must implement query() and execute()');
    }
    if (dialect.incrementStatement === undefined && typeof executor.transaction !== 'function') {
      throw new ConfigError(
        `the ${dialect.name} dialect increments in a transaction: the executor must implement transaction()`,
      );
    }
    const resolved = resolveSqlTableOptions(options);
    this.maxValueBytes = resolveMaxValueBytes(options.maxValueBytes, dialect.maxValueBytes);
    this.name = options.name ?? dialect.name;
    this.prefix = resolved.prefix;
    this.dialect = dialect;
    this.executor = executor;
    this.statements = new SqlStatements(dialect, resolved.table);
    this.ids = new KeyIdentity(dialect.keyStorage, resolved.prefix);
    this.onClose = options.onClose;
    this.tableReady = !resolved.createTable;
    this.capabilities = {
      shared: true,
      durable: dialect.durable,
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
    const signal = await this.begin('get', options);
    try {
      const rows = await this.executor.query(
        this.statements.get,
        [...this.ids.params(key), Date.now()],
        signal,
      );
      const row = rows[0];
      return row === undefined ? undefined : toBytes(row.value);
    } catch (error) {
      throw this.failure('get', error, signal);
    }
  }

  /** @inheritDoc */
  async getMany(
    keys: readonly string[],
    options?: StoreOperationOptions,
  ): Promise<(Uint8Array | undefined)[]> {
    this.assertOpen();
    if (keys.length === 0) return [];
    const signal = await this.begin('getMany', options);
    try {
      const found = new Map<string, Uint8Array>();
      for (const batch of chunks(distinctKeys(keys), this.statements.maxLookupBatch)) {
        await this.readBatch(batch, found, signal);
      }
      const plain = this.ids.storage === 'plain';
      return valuesInKeyOrder(keys, (key) => found.get(plain ? storedKeyForm(key) : key));
    } catch (error) {
      throw this.failure('getMany', error, signal);
    }
  }

  /** @inheritDoc */
  async set(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<void> {
    this.assertOpen();
    this.assertSize(key, value);
    assertStoreTtl(ttl);
    const signal = await this.begin('set', options);
    const expiresAt = expiresAtFor(ttl, Date.now());
    try {
      await this.executor.execute(this.statements.set, [...this.ids.params(key), value, expiresAt], signal);
    } catch (error) {
      throw this.failure('set', error, signal);
    }
  }

  /**
   * Upserts every entry (the last of duplicate keys wins) in multi-row upserts of
   * up to {@link SqlStatements.maxRowBatch} rows; several batches run in one
   * transaction when the executor supports transactions.
   */
  async setMany(entries: readonly StoreEntry[], options?: StoreOperationOptions): Promise<void> {
    this.assertOpen();
    const rows = lastWriteWins(entries);
    for (const entry of rows) {
      this.assertSize(entry.key, entry.value);
      assertStoreTtl(entry.ttl);
    }
    if (rows.length === 0) return;
    const signal = await this.begin('setMany', options);
    const now = Date.now();
    const batches = chunks(rows, this.statements.maxRowBatch);
    const write = async (target: SqlQueryable): Promise<void> => {
      for (const batch of batches) {
        const params: SqlParam[] = [];
        for (const entry of batch)
          params.push(...this.ids.params(entry.key), entry.value, expiresAtFor(entry.ttl, now));
        await target.execute(this.statements.setMany(batch.length), params, signal);
      }
    };
    try {
      if (batches.length > 1 && this.executor.transaction !== undefined) {
        await this.executor.transaction(write, signal);
      } else {
        await write(this.executor);
      }
    } catch (error) {
      throw this.failure('setMany', error, signal);
    }
  }

  /** @inheritDoc */
  async add(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<boolean> {
    this.assertOpen();
    this.assertSize(key, value);
    assertStoreTtl(ttl);
    const signal = await this.begin('add', options);
    const now = Date.now();
    const expiresAt = expiresAtFor(ttl, now);
    const id = this.ids.params(key);
    try {
      const single = this.statements.add;
      if (single !== undefined) {
        const result = await this.executor.execute(single, [...id, value, expiresAt, now], signal);
        return result.affectedRows > 0;
      }
      // Two steps, each atomic: replace an expired row in place (row lock), else
      // insert; the primary key lets exactly one concurrent inserter win.
      const takeover = await this.executor.execute(
        this.statements.addTakeover,
        [value, expiresAt, ...id, now],
        signal,
      );
      if (takeover.affectedRows > 0) return true;
      try {
        await this.executor.execute(this.statements.insert, [...id, value, expiresAt], signal);
        return true;
      } catch (error) {
        if (this.dialect.isDuplicateKeyError(error)) return false;
        throw error;
      }
    } catch (error) {
      throw this.failure('add', error, signal);
    }
  }

  /**
   * @inheritDoc
   * @throws `NotNumericError` when the live value is not a decimal integer (it is
   *   left unchanged) or the result would leave the safe integer range;
   *   `InvalidValueError` when `delta` is not a safe integer
   */
  async increment(key: string, delta: number, ttl: number, options?: StoreOperationOptions): Promise<number> {
    this.assertOpen();
    if (!Number.isSafeInteger(delta)) {
      throw new InvalidValueError(`increment delta must be a safe integer, got ${delta}`);
    }
    assertStoreTtl(ttl);
    const signal = await this.begin('increment', options);
    const now = Date.now();
    const expiresAt = expiresAtFor(ttl, now);
    try {
      const single = this.statements.increment;
      if (single === undefined) return await this.incrementInTransaction(key, delta, expiresAt, signal);
      const id = this.ids.params(key);
      const rows = await this.executor.query(
        single,
        [...id, encodeCounter(delta), expiresAt, now, delta],
        signal,
      );
      const row = rows[0];
      if (row === undefined) throw await this.explainRejectedIncrement(key, delta, signal);
      return decodeCounter(key, toBytes(row.value));
    } catch (error) {
      throw this.failure('increment', error, signal);
    }
  }

  /** @inheritDoc */
  async delete(key: string, options?: StoreOperationOptions): Promise<void> {
    const signal = await this.begin('delete', options);
    try {
      await this.executor.execute(this.statements.delete, this.ids.params(key), signal);
    } catch (error) {
      throw this.failure('delete', error, signal);
    }
  }

  /** @inheritDoc */
  async deleteMany(keys: readonly string[], options?: StoreOperationOptions): Promise<void> {
    this.assertOpen();
    if (keys.length === 0) return;
    const signal = await this.begin('deleteMany', options);
    try {
      for (const batch of chunks(distinctKeys(keys), this.statements.maxLookupBatch)) {
        const size = lookupBatchSize(batch.length, this.statements.maxLookupBatch);
        await this.executor.execute(this.statements.deleteMany(size), this.lookupParams(batch, size), signal);
      }
    } catch (error) {
      throw this.failure('deleteMany', error, signal);
    }
  }

  /** @inheritDoc */
  async deleteIfEquals(key: string, expected: Uint8Array, options?: StoreOperationOptions): Promise<boolean> {
    const signal = await this.begin('deleteIfEquals', options);
    try {
      const result = await this.executor.execute(
        this.statements.deleteIfEquals,
        [...this.ids.params(key), expected, Date.now()],
        signal,
      );
      return result.affectedRows > 0;
    } catch (error) {
      throw this.failure('deleteIfEquals', error, signal);
    }
  }

  /** Deletes every row of this prefix (`DELETE … WHERE prefix = ?`, on the primary key's leading column). */
  async flush(options?: StoreOperationOptions): Promise<void> {
    const signal = await this.begin('flush', options);
    try {
      await this.executor.execute(this.statements.flush, [this.prefix], signal);
    } catch (error) {
      throw this.failure('flush', error, signal);
    }
  }

  /**
   * Deletes up to `limit` expired rows of the table (every prefix: an expired
   * row is invisible to all readers, so removing it changes nothing observable).
   * Call it repeatedly until it returns less than `limit` to drain a backlog.
   *
   * @returns the number of rows deleted
   */
  async prune(options: PruneOptions = {}): Promise<number> {
    const limit = validatePruneLimit(options.limit ?? 1_000);
    const signal = await this.begin('prune', options);
    try {
      const result = await this.executor.execute(this.statements.prune, [Date.now(), limit], signal);
      return result.affectedRows;
    } catch (error) {
      throw this.failure('prune', error, signal);
    }
  }

  /** Stops the prune timer and calls `onClose` once. Idempotent; later operations reject with `StoreClosedError`. */
  close(): Promise<void> {
    if (this.closing === undefined) {
      this.closed = true;
      this.pruneTimer?.stop();
      this.closing = (async () => {
        try {
          await this.onClose?.();
        } catch (error) {
          throw new StoreError(this.name, 'close', error);
        }
      })();
    }
    return this.closing;
  }

  /** Reads one batch of distinct keys into `found`. */
  private async readBatch(
    batch: readonly string[],
    found: Map<string, Uint8Array>,
    signal: SqlCallOptions | undefined,
  ): Promise<void> {
    const size = lookupBatchSize(batch.length, this.statements.maxLookupBatch);
    const params = this.lookupParams(batch, size);
    params.push(Date.now());
    const rows = await this.executor.query(this.statements.getMany(size), params, signal);
    if (this.ids.storage === 'plain') {
      for (const row of rows) found.set(String(row.cache_key), toBytes(row.value));
      return;
    }
    // sha256 storage: map rows back by hash and keep only those whose stored key is
    // byte-for-byte the requested one.
    const wanted = new Map<string, string[]>();
    for (const key of batch) {
      const hash = keyHash(key).toString('latin1');
      const list = wanted.get(hash);
      if (list === undefined) wanted.set(hash, [key]);
      else list.push(key);
    }
    for (const row of rows) {
      const keys = wanted.get(Buffer.from(toBytes(row.key_hash)).toString('latin1')) ?? [];
      const storedKey = Buffer.from(toBytes(row.cache_key));
      for (const key of keys) {
        if (storedKey.equals(Buffer.from(key, 'utf8'))) found.set(key, toBytes(row.value));
      }
    }
  }

  /** `prefix, lookup × size`, padding by repeating the last key. */
  private lookupParams(batch: readonly string[], size: number): SqlParam[] {
    const params: SqlParam[] = [this.prefix];
    for (const key of batch) params.push(this.ids.lookup(key));
    const last = params[params.length - 1] as SqlParam;
    while (params.length < size + 1) params.push(last);
    return params;
  }

  /**
   * Increment as a locking transaction: insert a `0` row or lock the existing one,
   * read it under the lock, write the sum. Retried a few times on a deadlock or
   * when a concurrent delete removed the row between the two statements.
   */
  private async incrementInTransaction(
    key: string,
    delta: number,
    expiresAt: number,
    signal: SqlCallOptions | undefined,
  ): Promise<number> {
    const executor = this.executor as Required<SqlExecutor>;
    const id = this.ids.params(key);
    const s = this.statements;
    for (let attempt = 1; ; attempt++) {
      try {
        return await executor.transaction<number>(async (tx) => {
          await tx.execute(s.insertOrLock, [...id, ZERO, expiresAt], signal);
          const row = (await tx.query(s.selectForUpdate, id, signal))[0];
          if (row === undefined) throw new RowVanishedError();
          const current = isLive(toInteger(row.expires_at), Date.now())
            ? decodeCounter(key, toBytes(row.value))
            : 0;
          const next = addCounter(key, current, delta);
          await tx.execute(s.update, [encodeCounter(next), expiresAt, ...id], signal);
          return next;
        }, signal);
      } catch (error) {
        const retryable =
          error instanceof RowVanishedError || this.dialect.isTransientTransactionError(error);
        if (retryable && attempt < MAX_TRANSACTION_ATTEMPTS) continue;
        if (error instanceof RowVanishedError) {
          throw new ConflictError(`increment of "${key}" kept losing its row to concurrent deletes`);
        }
        throw error;
      }
    }
  }

  /** The precise error for an increment the single statement refused (rare path: one extra read). */
  private async explainRejectedIncrement(
    key: string,
    delta: number,
    signal: SqlCallOptions | undefined,
  ): Promise<NotNumericError> {
    const rows = await this.executor.query(
      this.statements.get,
      [...this.ids.params(key), Date.now()],
      signal,
    );
    const row = rows[0];
    if (row === undefined) return new NotNumericError(key);
    try {
      addCounter(key, decodeCounter(key, toBytes(row.value)), delta);
    } catch (error) {
      if (error instanceof NotNumericError) return error;
    }
    return new NotNumericError(key);
  }

  /**
   * Common start of every operation: rejects when closed or aborted, creates the
   * table on first use, and returns the per-call options for the executor. Not
   * `async`: once the table is ready (every call but the first) it returns the
   * options directly, so the hot path pays no extra promise.
   */
  private begin(
    operation: string,
    options: StoreOperationOptions | undefined,
  ): SqlCallOptions | undefined | Promise<SqlCallOptions | undefined> {
    this.assertOpen();
    const signal = options?.signal;
    signal?.throwIfAborted();
    const callOptions = signal === undefined ? undefined : { signal };
    if (this.tableReady) return callOptions;
    return this.ensureTable(callOptions).then(
      () => callOptions,
      (error: unknown) => {
        throw this.failure(operation, error, callOptions);
      },
    );
  }

  /** Creates the table once per store; a failed attempt is retried by the next operation. */
  private ensureTable(options: SqlCallOptions | undefined): Promise<void> {
    this.creating ??= (async () => {
      for (const ddl of this.statements.createTable) {
        try {
          await this.executor.execute(ddl, [], options);
        } catch (error) {
          // Another process won the CREATE … IF NOT EXISTS race: the object exists, which is all we need.
          if (!this.dialect.isAlreadyExistsError(error)) throw error;
        }
      }
      this.tableReady = true;
    })().catch((error: unknown) => {
      this.creating = undefined;
      throw error;
    });
    return this.creating;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError(this.name);
  }

  private assertSize(key: string, value: Uint8Array): void {
    if (this.maxValueBytes !== undefined && value.byteLength > this.maxValueBytes) {
      throw new ValueTooLargeError(key, value.byteLength, this.maxValueBytes);
    }
  }

  /** Our own typed errors and the caller's abort reason pass through; driver errors become `StoreError`. */
  private failure(operation: string, error: unknown, options: SqlCallOptions | undefined): unknown {
    if (error instanceof CacheError) return error;
    if (options?.signal?.aborted && error === options.signal.reason) return error;
    return new StoreError(this.name, operation, error);
  }
}

function assertDialect(dialect: SqlDialect | undefined): asserts dialect is SqlDialect {
  if (
    typeof dialect !== 'object' ||
    dialect === null ||
    typeof dialect.placeholder !== 'function' ||
    typeof dialect.quoteIdentifier !== 'function' ||
    typeof dialect.createTableStatements !== 'function'
  ) {
    throw new ConfigError('dialect must be a SqlDialect (e.g. postgresDialect from @cache/sql)');
  }
}

/**
 * The effective value cap: the caller's, which may only lower the dialect's.
 *
 * @throws {@link ConfigError} for a non-positive or non-integer cap, or one above the dialect's.
 */
export function resolveMaxValueBytes(
  requested: number | undefined,
  dialectCap: number | undefined,
): number | undefined {
  if (requested === undefined) return dialectCap;
  if (!Number.isSafeInteger(requested) || requested <= 0) {
    throw new ConfigError(`maxValueBytes must be a positive integer, got ${requested}`);
  }
  if (dialectCap !== undefined && requested > dialectCap) {
    throw new ConfigError(`maxValueBytes ${requested} is above what this database accepts (${dialectCap})`);
  }
  return requested;
}
