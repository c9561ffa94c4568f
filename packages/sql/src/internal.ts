/**
 * `@cache/sql/internal`: every building block of the SQL store, for the dialect
 * packages of this repository (`@cache/sqlite`, `@cache/postgres`, `@cache/mysql`),
 * which reuse them. Not part of the public API: it changes without a major
 * version. Applications and third-party dialects use `@cache/sql`.
 *
 * @packageDocumentation
 */
export { SqlStore, resolveMaxValueBytes, type SqlStoreOptions, type PruneOptions } from './sql-store.js';
export {
  type SqlDialect,
  type SqlNames,
  type KeyStorage,
  sqlNames,
  driverErrorCode,
  driverErrno,
} from './dialect.js';
export type {
  SqlExecutor,
  SqlQueryable,
  SqlParam,
  SqlRow,
  SqlExecuteResult,
  SqlCallOptions,
} from './executor.js';
export { sqliteDialect } from './dialects/sqlite.js';
export { postgresDialect, createPostgresDialect, type PostgresDialectOptions } from './dialects/postgres.js';
export { mysqlDialect, createMysqlDialect, type MysqlDialectOptions } from './dialects/mysql.js';
export { SqlStatements, keyIdentityColumns, lookupBatchSize } from './statements.js';
export { parseTableName, DEFAULT_TABLE, MAX_IDENTIFIER_LENGTH, type TableName } from './table-name.js';
export {
  resolveSqlTableOptions,
  validatePruneLimit,
  timerDuration,
  DEFAULT_PREFIX,
  DEFAULT_PRUNE_LIMIT,
  MAX_PREFIX_BYTES,
  MAX_TIMER_MS,
  RENAMED_TABLE_OPTIONS,
  type SqlTableOptions,
  type ResolvedSqlTableOptions,
} from './config.js';
export { expiresAtFor, isLive } from './expiry.js';
export { KeyIdentity, keyHash, KEY_FORMS_PER_GENERATION, MAX_MEMOISED_KEY_LENGTH } from './key-identity.js';
export { toBytes, toValueBytes, toInteger } from './row-values.js';
export { distinctKeys, lastWriteWins, chunks, valuesInKeyOrder } from './batch.js';
export { PruneTimer } from './prune-timer.js';
export { GetBatcher } from './get-batcher.js';
export { SetBatcher, compareIdentity, upsertRows, type WriteRows } from './set-batcher.js';
export { StatementRegistry } from './statement-registry.js';
export {
  type StatementTimeouts,
  type StatementTimeoutOptions,
  DEFAULT_QUERY_TIMEOUT_MS,
  DEFAULT_MAINTENANCE_TIMEOUT_MS,
  RENAMED_TIMEOUT_OPTIONS,
  resolveStatementTimeouts,
  StatementTimeoutError,
} from './statement-timeouts.js';
