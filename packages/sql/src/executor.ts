/**
 * How a dialect wrapper (`@cache/postgres`, `@cache/mysql`, …) lends its database
 * client to {@link SqlStore}. The store never sees the driver itself: it sends
 * statement texts and positional parameters, and reads rows back.
 *
 * @packageDocumentation
 */

/**
 * A positional parameter. `Uint8Array` parameters are binary (BLOB / BYTEA /
 * LONGBLOB) and must be bound as bytes, never as text; `number` parameters are
 * always integers within the safe range (timestamps, TTLs, limits, deltas).
 */
export type SqlParam = string | number | Uint8Array | null;

/** One result row, keyed by column name as written in the statement (lower case). */
export type SqlRow = Readonly<Record<string, unknown>>;

/** Result of a statement that returns no rows. */
export interface SqlExecuteResult {
  /**
   * Rows the statement inserted, updated or deleted. For MySQL's
   * `ON DUPLICATE KEY UPDATE` this is the driver's own count; the store never
   * relies on it for that statement.
   */
  readonly affectedRows: number;
}

/** Per-call options the store passes to the executor. */
export interface SqlCallOptions {
  /** The caller's signal; executors that can cancel a query should honour it. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Runs statements on one connection (inside a transaction) or on a pool.
 *
 * Implementations must:
 * - bind parameters positionally, in order, using the dialect's placeholders
 *   (prepared or at least parameterised statements: never string interpolation);
 * - bind `Uint8Array` as binary;
 * - reject with the driver's own error (the store wraps it in `StoreError` and asks
 *   the dialect to classify it, e.g. duplicate key).
 */
export interface SqlQueryable {
  /** Runs a statement that returns rows. */
  query(sql: string, params: readonly SqlParam[], options?: SqlCallOptions): Promise<readonly SqlRow[]>;
  /** Runs a statement that returns no rows and reports how many rows it changed. */
  execute(sql: string, params: readonly SqlParam[], options?: SqlCallOptions): Promise<SqlExecuteResult>;
}

/**
 * The executor a wrapper supplies. `transaction` is required by dialects whose
 * `increment` is not a single statement (MySQL, and SQLite through this async
 * path): see {@link SqlDialect.incrementStatement}.
 */
export interface SqlExecutor extends SqlQueryable {
  /**
   * Runs `work` on one connection inside a transaction: commits when `work`
   * resolves, rolls back (and rethrows) when it rejects, and always releases the
   * connection. For SQLite the transaction must take the write lock up front
   * (`BEGIN IMMEDIATE`), because SQLite has no `SELECT … FOR UPDATE`.
   */
  transaction?<T>(work: (tx: SqlQueryable) => Promise<T>, options?: SqlCallOptions): Promise<T>;
}
