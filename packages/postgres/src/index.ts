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
  DEFAULT_PIPELINE_CONNECTIONS,
  MAX_PIPELINE_CONNECTIONS,
} from './options.js';
export { PipelinedLanes, type PipelinedLanesOptions, type LaneCallback } from './pipelined-lanes.js';
export { PgExecutor } from './pg-executor.js';
export {
  StatementRegistry,
  type StatementTimeouts,
  DEFAULT_QUERY_TIMEOUT_MS,
  DEFAULT_MAINTENANCE_TIMEOUT_MS,
  StatementTimeoutError,
} from '@cache/sql/internal';
export { postgresDialect, createPostgresDialect, type PruneOptions } from '@cache/sql';
