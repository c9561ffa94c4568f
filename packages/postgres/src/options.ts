import { ConfigError } from '@cache/core';
import { resolveStatementTimeouts, type SqlTableOptions, type StatementTimeouts } from '@cache/sql';
import type { Pool, PoolConfig } from 'pg';

/** Options of {@link PostgresStore}. */
export interface PostgresStoreOptions extends SqlTableOptions {
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
   * `increment`, batches, …), in ms: pg's `query_timeout`. A statement without an
   * answer by then rejects with a `StoreError`, and its connection is discarded
   * rather than returned to the pool. `0` disables it. Applies to injected pools
   * too. Default 5,000.
   */
  readonly queryTimeoutMs?: number | undefined;
  /**
   * Deadline of `flush()`, `prune()` and table creation, which may touch many
   * rows, in ms. `0` disables it. Default 60,000.
   */
  readonly maintenanceTimeoutMs?: number | undefined;
  /**
   * Receives errors of idle pooled connections (e.g. a backend terminated by
   * `pg_terminate_backend`, a server restart, a network reset). pg emits them
   * as the pool's `error` event, which crashes the process when nobody listens.
   *
   * - On a pool the store creates, the store always listens; the failed
   *   connection is already discarded by pg and the next call opens a new one.
   *   Default: ignore.
   * - On an injected pool the owner is responsible for listening; pass this to
   *   have the store attach (and on `close()` detach) a listener.
   */
  readonly onPoolError?: ((error: Error) => void) | undefined;
  /**
   * Create the table `UNLOGGED` (only when this store creates it): writes skip
   * the WAL (faster), the table is emptied after a server crash and is not
   * replicated. `capabilities.durable` is then `false`. Default `false`.
   */
  readonly unlogged?: boolean | undefined;
  /** Largest value accepted, in bytes; may only lower PostgreSQL's `bytea` cap (1 GiB − 1). */
  readonly maxValueBytes?: number | undefined;
}

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
}

/**
 * Validates the connection options (the table options are validated by
 * `@cache/sql`).
 *
 * @throws {@link ConfigError} for a pool combined with `connectionString` or
 *   `poolOptions`, a non-string connection string, or a bad timeout.
 */
export function resolveConnection(options: PostgresStoreOptions): ResolvedConnection {
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
  if (options.onPoolError !== undefined && typeof options.onPoolError !== 'function') {
    throw new ConfigError('onPoolError must be a function');
  }
  const poolConfig: PoolConfig = {
    ...POSTGRES_POOL_DEFAULTS,
    ...poolOptions,
    ...(connectionString === undefined ? {} : { connectionString }),
  };
  return {
    pool,
    poolConfig,
    ...resolveStatementTimeouts(options),
  };
}
