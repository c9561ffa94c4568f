import type { StoreOperationOptions } from '@cache/core';
import type { SqlTableOptions } from './config.js';
import type { SqlDialect } from './dialect.js';
import type { SqlCallOptions, SqlExecutor } from './executor.js';

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
   * Coalesce the calls issued in one tick (without a `signal`): `get`s into one
   * `IN (…)` select (`GetBatcher`), `set`s into one multi-row upsert, one commit,
   * the last of duplicate keys winning, rows in key order (`SetBatcher`). A lone
   * call is still the single-row statement. Default `false`; the networked
   * wrappers turn it on.
   */
  readonly coalesce?: boolean;
  /**
   * Called once by `close()`, after every call in flight has settled: the wrapper
   * releases what it created here (its pool), and does nothing for a client the
   * caller injected.
   */
  readonly onClose?: () => void | Promise<void>;
}

/** Options of {@link "@cache/sql"!SqlStore.prune | SqlStore.prune}. */
export interface PruneOptions extends StoreOperationOptions {
  /** Most rows to delete in this call. Default 1,000. */
  readonly limit?: number;
}

/** The executor options of a call; throws the abort reason of an already aborted signal. */
export function callOptionsOf(options: StoreOperationOptions | undefined): SqlCallOptions | undefined {
  const signal = options?.signal;
  if (signal === undefined) return undefined;
  signal.throwIfAborted();
  return { signal };
}

/** A `then` handler that drops the result. */
export function nothing(): undefined {
  return undefined;
}
