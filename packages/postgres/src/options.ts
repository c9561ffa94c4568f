import { assertNoRenamedOptions, ConfigError, type Duration } from '@cache/core';
import {
  RENAMED_TIMEOUT_OPTIONS,
  resolveStatementTimeouts,
  type SqlTableOptions,
  type StatementTimeouts,
} from '@cache/sql/internal';
import type { Pool, PoolConfig } from 'pg';

/** Options of {@link PostgresStore}. */
export interface PostgresStoreOptions extends SqlTableOptions {
  /**
   * Coalesce the calls issued in one tick: `get`s into one `SELECT … IN (…)`
   * (one round trip for all of them), `set`s into one multi-row upsert (one
   * statement and one commit; the last of duplicate keys wins; the batch succeeds
   * or fails as a whole). A lone call is still the single-row statement; calls
   * with a `signal` are never coalesced. Default `true`.
   */
  readonly coalesce?: boolean | undefined;
  /**
   * An existing pg `Pool`. The caller owns it: `close()` never ends it, and the
   * store does not change its configuration (its `connectionTimeoutMillis`
   * bounds how long a call waits for a free client). Mutually exclusive with
   * `connectionString` and `poolOptions`.
   */
  readonly pool?: Pool | undefined;
  /**
   * `postgres://user:password@host:5432/database?…`. The store creates a pool from
   * it (with {@link POSTGRES_POOL_DEFAULTS} under `poolOptions`), owns it, and ends
   * it on `close()`. Without `pool` and `connectionString`, the pool is built from
   * `poolOptions` and the standard `PG*` environment variables.
   */
  readonly connectionString?: string | undefined;
  /**
   * Extra pg pool configuration for a pool the store creates (`max`,
   * `connectionTimeoutMillis`, `ssl`, `application_name`, `statement_timeout`,
   * …); it overrides {@link POSTGRES_POOL_DEFAULTS}.
   */
  readonly poolOptions?: PoolConfig | undefined;
  /**
   * Client-side deadline of each data statement (`get`, `set`, `add`,
   * `increment`, batches, …), counted from asking for a connection: ms or a
   * duration string (`'2s'`). One mechanism for every call (a `DeadlineQueue` of
   * `@cache/core`, one unref'd timer), not a timer per statement. A statement
   * without an answer by then rejects with a `StoreError` (cause:
   * `StatementTimeoutError`), and its connection is closed rather than reused
   * (pipelined: with the statements queued behind it on that connection). `0`
   * disables it. Applies to injected pools too. Default 5 s.
   */
  readonly timeout?: Duration | undefined;
  /**
   * Deadline of `flush()`, `prune()` and table creation, which may touch many
   * rows (ms or a duration string). `0` disables it. Default 60 s.
   */
  readonly maintenanceTimeout?: Duration | undefined;
  /**
   * Receives errors of background work, which never throws: the periodic prune,
   * and errors of idle pooled or pipelined connections (e.g. a backend terminated by
   * `pg_terminate_backend`, a server restart, a network reset). pg emits the
   * latter as the pool's `error` event, which crashes the process when nobody
   * listens.
   *
   * - On a pool the store creates, the store always listens; the failed
   *   connection is already discarded by pg and the next call opens a new one.
   *   Default: ignore.
   * - On an injected pool the owner is responsible for listening; passing this
   *   makes the store attach (and on `close()` detach) a listener as well.
   */
  readonly onBackgroundError?: ((error: unknown) => void) | undefined;
  /**
   * Create the table `UNLOGGED` (only when this store creates it): writes skip
   * the WAL (faster), the table is emptied after a server crash and is not
   * replicated. `capabilities.durable` is then `false`. Default `false`.
   */
  readonly unlogged?: boolean | undefined;
  /** Largest value accepted, in bytes; may only lower PostgreSQL's `bytea` cap (1 GiB − 1). */
  readonly maxValueBytes?: number | undefined;
  /**
   * Pipelining: the number of long-lived connections over which single statements
   * (`get`, `set`, `add`, `increment`, `delete`, batches) are pipelined, in pg's
   * pipeline mode (pg 8.23+): no pool checkout per statement, statements issued
   * together leave in one write, and the server answers back to back. The pool
   * still serves transactions (`setMany` over 500 entries), `flush`, `prune` and
   * table creation. The connections are opened with the pool's own connection
   * settings (`pool.options`) on first use, closed after the pool's
   * `idleTimeoutMillis` without traffic, and by `close()`.
   *
   * `false` or `0`: every statement checks a client out of the pool.
   *
   * Default: {@link DEFAULT_PIPELINE_CONNECTIONS} for a pool the store creates;
   * off for an injected `pool` (the store then opens no connection of its own).
   */
  readonly pipeline?: number | false | undefined;
}

/** Pipelined connections of a store that creates its pool (see {@link PostgresStoreOptions.pipeline}). */
export const DEFAULT_PIPELINE_CONNECTIONS = 2;
/** Most pipelined connections accepted. */
export const MAX_PIPELINE_CONNECTIONS = 64;

/**
 * Pool configuration the store applies to a pool it creates, under the caller's
 * `poolOptions`. Chosen so that an outage surfaces as a fast error instead of a
 * hang, and so that the store's connections are easy to find in
 * `pg_stat_activity`.
 */
export const POSTGRES_POOL_DEFAULTS = {
  /** pg's own default: 10 connections per pool (per process). */
  max: 10,
  /**
   * Longest wait for a connection, in ms: both opening one and waiting for a free
   * one in a busy pool. pg's default is to wait forever.
   */
  connectionTimeoutMillis: 2_000,
  /** Idle connections are closed after 10 s. */
  idleTimeoutMillis: 10_000,
  /** TCP keepalive, so a peer that vanished without a FIN is noticed. */
  keepAlive: true,
  /** Shown in `pg_stat_activity.application_name`. */
  application_name: 'cache-postgres',
} as const satisfies PoolConfig;

/** The connection part of the options, validated. */
export interface ResolvedConnection extends StatementTimeouts {
  /** The injected pool, or `undefined` when the store creates its own. */
  readonly pool: Pool | undefined;
  /** Configuration of the pool to create (unused with an injected pool). */
  readonly poolConfig: PoolConfig;
  /** Pipelined connections; `0` = off. */
  readonly pipeline: number;
}

/** Options renamed in this release (old name → new name); passing an old one is a `ConfigError`. */
export const RENAMED_POSTGRES_OPTIONS: Readonly<Record<string, string>> = {
  ...RENAMED_TIMEOUT_OPTIONS,
  onPoolError: 'onBackgroundError',
};

/**
 * Validates the connection options (the table options are validated by
 * `@cache/sql`).
 *
 * @throws {@link ConfigError} for a pool combined with `connectionString` or
 *   `poolOptions`, a non-string connection string, a bad timeout or `pipeline`,
 *   or a renamed option.
 */
export function resolveConnection(options: PostgresStoreOptions): ResolvedConnection {
  assertNoRenamedOptions(options, RENAMED_POSTGRES_OPTIONS, 'PostgresStore');
  const { pool, connectionString, poolOptions } = options;
  if (pool !== undefined) {
    if (typeof pool !== 'object' || pool === null || typeof pool.query !== 'function') {
      throw new ConfigError('pool must be a pg Pool');
    }
    if (connectionString !== undefined || poolOptions !== undefined) {
      throw new ConfigError('pass either pool or connectionString/poolOptions, not both');
    }
  }
  if (connectionString !== undefined && (typeof connectionString !== 'string' || connectionString === '')) {
    throw new ConfigError('connectionString must be a non-empty string');
  }
  if (options.onBackgroundError !== undefined && typeof options.onBackgroundError !== 'function') {
    throw new ConfigError('onBackgroundError must be a function');
  }
  const pipeline = resolvePipeline(options.pipeline, pool === undefined);
  const poolConfig: PoolConfig = {
    ...POSTGRES_POOL_DEFAULTS,
    ...poolOptions,
    ...(connectionString === undefined ? {} : { connectionString }),
  };
  return {
    pool,
    poolConfig,
    pipeline,
    ...resolveStatementTimeouts(options),
  };
}

function resolvePipeline(value: PostgresStoreOptions['pipeline'], ownPool: boolean): number {
  if (value === undefined) return ownPool ? DEFAULT_PIPELINE_CONNECTIONS : 0;
  if (value === false) return 0;
  if (!Number.isSafeInteger(value) || value < 0 || value > MAX_PIPELINE_CONNECTIONS) {
    throw new ConfigError(
      `pipeline must be false or a number of connections from 0 to ${MAX_PIPELINE_CONNECTIONS}, got ${String(value)}`,
    );
  }
  return value;
}
