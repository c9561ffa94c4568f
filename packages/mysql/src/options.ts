import { assertNoRenamedOptions, ConfigError, type Duration } from '@cache/core';
import {
  RENAMED_TIMEOUT_OPTIONS,
  resolveStatementTimeouts,
  type SqlTableOptions,
  type StatementTimeouts,
} from '@cache/sql/internal';
import type { Pool as CorePool } from 'mysql2';
import type { Pool as PromisePool, PoolOptions } from 'mysql2/promise';

/** Options of {@link MysqlStore}. */
export interface MysqlStoreOptions extends SqlTableOptions {
  /**
   * Coalesce the calls issued in one tick: `get`s into one `SELECT … IN (…)`
   * (one round trip for all of them), `set`s into one multi-row upsert (one
   * statement and one commit; the last of duplicate keys wins; the batch succeeds
   * or fails as a whole). A lone call is still the single-row statement; calls
   * with a `signal` are never coalesced. Default `true`.
   */
  readonly coalesce?: boolean | undefined;
  /**
   * An existing mysql2 pool: a `mysql2/promise` pool, or a callback pool from
   * `mysql2` (the store uses its promise wrapper). The caller owns it: `close()`
   * never ends it, and the store does not change its configuration. Mutually
   * exclusive with `uri` and `poolOptions`.
   */
  readonly pool?: PromisePool | CorePool | undefined;
  /**
   * `mysql://user:password@host:3306/database?…`. The store creates a pool from
   * it (with {@link MYSQL_POOL_DEFAULTS} under `poolOptions`), owns it, and ends it
   * on `close()`. Without `pool` and `uri`, the pool is built from `poolOptions`
   * alone.
   */
  readonly uri?: string | undefined;
  /**
   * Extra mysql2 pool options for a pool the store creates (`host`, `user`,
   * `password`, `database`, `ssl`, `connectionLimit`, `connectTimeout`, …); they
   * override {@link MYSQL_POOL_DEFAULTS}, and settings in `uri` override both.
   */
  readonly poolOptions?: PoolOptions | undefined;
  /**
   * Deadline of each data statement (`get`, `set`, `add`, `increment`,
   * batches, …): ms or a duration string (`'2s'`), counted from asking the pool
   * for a connection (mysql2's pool queue has no timeout of its own). A call
   * without an answer by then rejects with a `StoreError`, and the connection it
   * was using is destroyed rather than returned to the pool. A transaction
   * (`increment`) applies it to each of its statements. `0` disables it. Applies
   * to injected pools too. Default 5 s.
   */
  readonly timeout?: Duration | undefined;
  /**
   * Deadline of `flush()`, `prune()` and table creation, which may touch many
   * rows (ms or a duration string). `0` disables it. Default 60 s.
   */
  readonly maintenanceTimeout?: Duration | undefined;
  /**
   * Largest value accepted, in bytes. Default 16 MiB − 64 KiB, which fits the
   * server's default `max_allowed_packet` (16 MiB on MariaDB). Raise it together
   * with `max_allowed_packet`; the column is `LONGBLOB`.
   */
  readonly maxValueBytes?: number | undefined;
}

/**
 * Pool options the store applies to a pool it creates, under the caller's
 * `poolOptions`: an outage surfaces as a fast error instead of a hang.
 */
export const MYSQL_POOL_DEFAULTS = {
  /** mysql2's own default: 10 connections per pool (per process). */
  connectionLimit: 10,
  /** Longest wait for a new connection's TCP connect and handshake, in ms (mysql2 default: 10,000). */
  connectTimeout: 2_000,
  /** Idle connections are closed after 10 s (mysql2 default: 60 s). */
  idleTimeout: 10_000,
  /** TCP keepalive, so a peer that vanished without a FIN is noticed. */
  enableKeepAlive: true,
  /** Calls queue for a free connection (bounded by the store's `timeout`) rather than fail at once. */
  waitForConnections: true,
} as const satisfies PoolOptions;

/** The connection part of the options, validated. */
export interface ResolvedConnection extends StatementTimeouts {
  /** The injected pool (as a promise pool), or `undefined` when the store creates its own. */
  readonly pool: PromisePool | undefined;
  /** Options of the pool to create (unused with an injected pool). */
  readonly poolOptions: PoolOptions;
}

/**
 * Validates the connection options (the table options are validated by
 * `@cache/sql`).
 *
 * @throws {@link ConfigError} for a pool combined with `uri` or `poolOptions`,
 *   something that is not a mysql2 pool, a bad `uri`, a bad timeout, or a
 *   renamed option (`queryTimeoutMs` → `timeout`, …).
 */
export function resolveConnection(options: MysqlStoreOptions): ResolvedConnection {
  assertNoRenamedOptions(options, RENAMED_TIMEOUT_OPTIONS, 'MysqlStore');
  const { pool, uri, poolOptions } = options;
  let promisePool: PromisePool | undefined;
  if (pool !== undefined) {
    if (uri !== undefined || poolOptions !== undefined) {
      throw new ConfigError('pass either pool or uri/poolOptions, not both');
    }
    promisePool = asPromisePool(pool);
  }
  if (uri !== undefined) {
    if (typeof uri !== 'string' || !URL.canParse(uri)) {
      throw new ConfigError('uri must be a URL such as mysql://user@host:3306/database');
    }
  }
  return {
    pool: promisePool,
    poolOptions: { ...MYSQL_POOL_DEFAULTS, ...poolOptions, ...(uri === undefined ? {} : { uri }) },
    ...resolveStatementTimeouts(options),
  };
}

/** A `mysql2/promise` pool as-is; a callback pool through its promise wrapper (same connections). */
function asPromisePool(pool: PromisePool | CorePool): PromisePool {
  if (typeof pool !== 'object' || pool === null) throw new ConfigError('pool must be a mysql2 pool');
  const candidate = pool as Partial<PromisePool> & Partial<CorePool>;
  if (typeof candidate.pool?.getConnection === 'function') return pool as PromisePool;
  if (typeof candidate.promise === 'function' && typeof candidate.getConnection === 'function') {
    return (pool as CorePool).promise();
  }
  throw new ConfigError('pool must be a mysql2 pool (mysql2/promise createPool, or mysql2 createPool)');
}
