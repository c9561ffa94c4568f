/**
 * `@cache/postgres`: a PostgreSQL cache store on pg, built on the
 * dialect-neutral `@cache/sql`.
 *
 * @packageDocumentation
 */
export { PostgresStore } from './postgres-store.js';
export {
  type PostgresStoreOptions,
  POSTGRES_POOL_DEFAULTS,
  DEFAULT_QUERY_TIMEOUT_MS,
  DEFAULT_MAINTENANCE_TIMEOUT_MS,
} from './options.js';
export { PgExecutor, type PgExecutorTimeouts } from './pg-executor.js';
export { StatementRegistry } from '@cache/sql';
export { postgresDialect, createPostgresDialect, type PruneOptions } from '@cache/sql';
