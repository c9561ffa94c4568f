import {
  CacheError,
  ConfigError,
  decodeCounter,
  encodeCounter,
  InvalidValueError,
  type Store,
  type StoreCapabilities,
  type StoreEntry,
  StoreError,
  StoreLifecycle,
  type StoreOperationOptions,
  ValueTooLargeError,
} from '@cache/core';
import { chunks, distinctKeys, lastWriteWins, valuesInKeyOrder } from './batch.js';
import { lookupParams, readAll } from './batch-read.js';
import { resolveSqlTableOptions, validatePruneLimit } from './config.js';
import type { SqlDialect } from './dialect.js';
import type { SqlCallOptions, SqlExecutor, SqlParam, SqlQueryable } from './executor.js';
import { assertStoreTtl, expiresAtFor } from './expiry.js';
import { KeyIdentity } from './key-identity.js';
import { PruneTimer } from './prune-timer.js';
import { toValueBytes } from './row-values.js';
import { lookupBatchSize, SqlStatements } from './statements.js';
import { GetBatcher } from './get-batcher.js';
import { compareIdentity, SetBatcher, upsertRows } from './set-batcher.js';
import { TableSetup } from './table-setup.js';
import {
  addInTwoSteps,
  explainRejectedIncrement,
  incrementInTransaction,
  type SqlParts,
} from './portable.js';
import { callOptionsOf, nothing, type PruneOptions, type SqlStoreOptions } from './sql-store-options.js';
import { assertDialectAndExecutor, resolveMaxValueBytes } from './validation.js';

export { resolveMaxValueBytes } from './validation.js';
export type { PruneOptions, SqlStoreOptions } from './sql-store-options.js';

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
 *
 * Every key is checked (`assertStoreKey`) before any statement is sent. `close()`
 * refuses new calls at once, waits for the calls in flight to settle, then calls
 * `onClose` (`StoreLifecycle` of `@cache/core`).
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

  private readonly executor: SqlExecutor;
  /** Executor, dialect and statements, for the portable add and increment paths. */
  private readonly parts: SqlParts;
  private readonly ids: KeyIdentity;
  private readonly maxValueBytes: number | undefined;
  private readonly onClose: (() => void | Promise<void>) | undefined;
  private readonly pruneTimer: PruneTimer | undefined;
  private readonly lifecycle: StoreLifecycle;
  private readonly table: TableSetup;
  private readonly batcher: SetBatcher | undefined;
  private readonly reads: GetBatcher | undefined;

  /**
   * @param options - dialect, executor, table, prefix and housekeeping options
   * @throws `ConfigError` for invalid options (bad table name, missing or bad
   *   prefix, missing transaction support the dialect needs, a renamed option),
   *   before any SQL is sent
   */
  constructor(options: SqlStoreOptions) {
    if (typeof options !== 'object' || options === null)
      throw new ConfigError('SqlStore options are required');
    const { dialect, executor } = options;
    assertDialectAndExecutor(dialect, executor);
    const resolved = resolveSqlTableOptions(options, { driver: 'SqlStore', required: true });
    this.maxValueBytes = resolveMaxValueBytes(options.maxValueBytes, dialect.maxValueBytes);
    this.name = options.name ?? dialect.name;
    this.prefix = resolved.prefix;
    this.executor = executor;
    this.statements = new SqlStatements(dialect, resolved.table);
    this.parts = { executor, dialect, statements: this.statements };
    this.ids = new KeyIdentity(dialect.keyStorage, resolved.prefix);
    this.onClose = options.onClose;
    this.lifecycle = new StoreLifecycle(this.name);
    this.table = new TableSetup(executor, dialect, this.statements, resolved.createTable);
    const coalesce = options.coalesce === true;
    this.batcher = coalesce ? new SetBatcher(upsertRows(executor, this.statements)) : undefined;
    this.reads = coalesce
      ? new GetBatcher(executor, this.statements, this.ids, (error) => this.failure('get', error, undefined))
      : undefined;
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
        resolved.onBackgroundError,
      );
      this.pruneTimer.start();
    }
  }

  /** @inheritDoc */
  get(key: string, options?: StoreOperationOptions): Promise<Uint8Array | undefined> {
    return this.lifecycle.run(() => {
      const params = this.ids.params(key);
      const call = callOptionsOf(options);
      const reads = this.reads;
      if (reads !== undefined && call === undefined && this.table.ready) return reads.add(key, params);
      // The hot path: one executor promise and one reaction, no async frames.
      return this.whenReady(call, () => {
        params.push(Date.now());
        return this.executor.query(this.statements.get, params, call);
      }).then(
        (rows) => {
          const row = rows[0];
          return row === undefined ? undefined : toValueBytes(row.value, key);
        },
        (error: unknown) => {
          throw this.failure('get', error, call);
        },
      );
    });
  }

  /** @inheritDoc */
  getMany(keys: readonly string[], options?: StoreOperationOptions): Promise<(Uint8Array | undefined)[]> {
    return this.lifecycle.run(async () => {
      if (keys.length === 0) return [];
      const distinct = distinctKeys(keys);
      const lookups = distinct.map((key) => this.ids.lookup(key));
      const signal = callOptionsOf(options);
      try {
        await this.whenReady(signal, nothing);
        const found = await readAll(this.executor, this.statements, this.ids, distinct, lookups, signal);
        return valuesInKeyOrder(keys, (key) => found.get(key));
      } catch (error) {
        throw this.failure('getMany', error, signal);
      }
    });
  }

  /** @inheritDoc */
  set(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<void> {
    return this.lifecycle.run(() => {
      const params = this.ids.params(key);
      this.assertSize(key, value);
      assertStoreTtl(ttl);
      const call = callOptionsOf(options);
      return this.whenReady<unknown>(call, () => {
        // The expiry is taken when the statement is sent: waiting for table creation never shortens it.
        params.push(value, expiresAtFor(ttl, Date.now()));
        if (this.batcher !== undefined && call === undefined) return this.batcher.add(key, params);
        return this.executor.execute(this.statements.set, params, call);
      }).then(nothing, (error: unknown) => {
        throw this.failure('set', error, call);
      });
    });
  }

  /**
   * Upserts every entry (the last of duplicate keys wins) in multi-row upserts of
   * up to `SqlStatements.maxRowBatch` rows; several batches run in one
   * transaction when the executor supports transactions.
   */
  setMany(entries: readonly StoreEntry[], options?: StoreOperationOptions): Promise<void> {
    return this.lifecycle.run(async () => {
      const rows = lastWriteWins(entries).map((entry) => {
        const id = this.ids.params(entry.key);
        this.assertSize(entry.key, entry.value);
        assertStoreTtl(entry.ttl);
        return { entry, id };
      });
      if (rows.length === 0) return;
      // Key order: concurrent multi-row writes then take their row locks in one order.
      rows.sort((a, b) => compareIdentity(a.id, b.id));
      const signal = callOptionsOf(options);
      const batches = chunks(rows, this.statements.maxRowBatch);
      let now = 0;
      const write = async (target: SqlQueryable): Promise<void> => {
        for (const batch of batches) {
          const params: SqlParam[] = [];
          for (const { entry, id } of batch) params.push(...id, entry.value, expiresAtFor(entry.ttl, now));
          await target.execute(this.statements.setMany(batch.length), params, signal);
        }
      };
      try {
        await this.whenReady(signal, nothing);
        now = Date.now();
        if (batches.length > 1 && this.executor.transaction !== undefined) {
          await this.executor.transaction(write, signal);
        } else {
          await write(this.executor);
        }
      } catch (error) {
        throw this.failure('setMany', error, signal);
      }
    });
  }

  /** @inheritDoc */
  add(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<boolean> {
    return this.lifecycle.run(async () => {
      const id = this.ids.params(key);
      this.assertSize(key, value);
      assertStoreTtl(ttl);
      const signal = callOptionsOf(options);
      try {
        await this.whenReady(signal, nothing);
        const now = Date.now();
        const expiresAt = expiresAtFor(ttl, now);
        const single = this.statements.add;
        if (single === undefined) return await addInTwoSteps(this.parts, id, value, expiresAt, now, signal);
        const result = await this.executor.execute(single, [...id, value, expiresAt, now], signal);
        return result.affectedRows > 0;
      } catch (error) {
        throw this.failure('add', error, signal);
      }
    });
  }

  /**
   * {@inheritDoc "@cache/core"!Store.increment}
   *
   * @throws `NotNumericError` when the live value is not a canonical decimal
   *   integer (`COUNTER_PATTERN` of `@cache/core`; it is left unchanged) or the
   *   result would leave the safe integer range; `InvalidValueError` when
   *   `delta` is not a safe integer
   */
  increment(key: string, delta: number, ttl: number, options?: StoreOperationOptions): Promise<number> {
    return this.lifecycle.run(async () => {
      const id = this.ids.params(key);
      if (!Number.isSafeInteger(delta)) {
        throw new InvalidValueError(`increment delta must be a safe integer, got ${delta}`);
      }
      assertStoreTtl(ttl);
      const signal = callOptionsOf(options);
      try {
        await this.whenReady(signal, nothing);
        const now = Date.now();
        const expiresAt = expiresAtFor(ttl, now);
        const single = this.statements.increment;
        if (single === undefined) {
          return await incrementInTransaction(this.parts, key, id, delta, expiresAt, signal);
        }
        const rows = await this.executor.query(
          single,
          [...id, encodeCounter(delta), expiresAt, now, delta],
          signal,
        );
        const row = rows[0];
        if (row === undefined) throw await explainRejectedIncrement(this.parts, key, id, delta, signal);
        return decodeCounter(key, toValueBytes(row.value, key));
      } catch (error) {
        throw this.failure('increment', error, signal);
      }
    });
  }

  /** @inheritDoc */
  delete(key: string, options?: StoreOperationOptions): Promise<void> {
    return this.lifecycle.run(async () => {
      const id = this.ids.params(key);
      const signal = callOptionsOf(options);
      try {
        await this.whenReady(signal, nothing);
        await this.executor.execute(this.statements.delete, id, signal);
      } catch (error) {
        throw this.failure('delete', error, signal);
      }
    });
  }

  /** @inheritDoc */
  deleteMany(keys: readonly string[], options?: StoreOperationOptions): Promise<void> {
    return this.lifecycle.run(async () => {
      if (keys.length === 0) return;
      const lookups = distinctKeys(keys).map((key) => this.ids.lookup(key));
      const signal = callOptionsOf(options);
      try {
        await this.whenReady(signal, nothing);
        for (const batch of chunks(lookups, this.statements.maxLookupBatch)) {
          const size = lookupBatchSize(batch.length, this.statements.maxLookupBatch);
          await this.executor.execute(
            this.statements.deleteMany(size),
            lookupParams(this.prefix, batch, size),
            signal,
          );
        }
      } catch (error) {
        throw this.failure('deleteMany', error, signal);
      }
    });
  }

  /** @inheritDoc */
  deleteIfEquals(key: string, expected: Uint8Array, options?: StoreOperationOptions): Promise<boolean> {
    return this.lifecycle.run(async () => {
      const id = this.ids.params(key);
      const signal = callOptionsOf(options);
      try {
        await this.whenReady(signal, nothing);
        const result = await this.executor.execute(
          this.statements.deleteIfEquals,
          [...id, expected, Date.now()],
          signal,
        );
        return result.affectedRows > 0;
      } catch (error) {
        throw this.failure('deleteIfEquals', error, signal);
      }
    });
  }

  /** Deletes every row of this prefix (`DELETE … WHERE prefix = ?`, on the primary key's leading column). */
  flush(options?: StoreOperationOptions): Promise<void> {
    return this.lifecycle.run(async () => {
      const signal = callOptionsOf(options);
      try {
        await this.whenReady(signal, nothing);
        await this.executor.execute(this.statements.flush, [this.prefix], signal);
      } catch (error) {
        throw this.failure('flush', error, signal);
      }
    });
  }

  /**
   * Deletes up to `limit` expired rows of the table (every prefix: an expired
   * row is invisible to all readers, so removing it changes nothing observable).
   * Call it repeatedly until it returns less than `limit` to drain a backlog.
   *
   * @returns the number of rows deleted
   */
  prune(options: PruneOptions = {}): Promise<number> {
    return this.lifecycle.run(async () => {
      const limit = validatePruneLimit(options.limit ?? 1_000);
      const signal = callOptionsOf(options);
      try {
        await this.whenReady(signal, nothing);
        const result = await this.executor.execute(this.statements.prune, [Date.now(), limit], signal);
        return result.affectedRows;
      } catch (error) {
        throw this.failure('prune', error, signal);
      }
    });
  }

  /**
   * Stops the prune timer and refuses new calls (they reject with
   * `StoreClosedError` at once), waits until every call in flight has settled,
   * then calls `onClose` once. Idempotent: later calls return the same promise.
   */
  close(): Promise<void> {
    this.pruneTimer?.stop();
    return this.lifecycle.close(async () => {
      try {
        await this.onClose?.();
      } catch (error) {
        throw new StoreError(this.name, 'close', error);
      }
    });
  }

  /**
   * Runs `send` once the table exists: at once (every call but the first), or
   * after the shared table creation.
   */
  private whenReady<T>(call: SqlCallOptions | undefined, send: () => T | Promise<T>): Promise<T> {
    if (this.table.ready) {
      const sent = send();
      return sent instanceof Promise ? sent : Promise.resolve(sent);
    }
    return this.table.ensure(call).then(send);
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
