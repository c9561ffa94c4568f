/**
 * `@cache/sql`: the dialect-neutral SQL store. It holds every semantic of the
 * SQL drivers (schema, statements, expiry, atomic add and increment, batching,
 * pruning); `@cache/sqlite`, `@cache/postgres` and `@cache/mysql` supply a
 * dialect and a way to run statements. No database driver dependency.
 *
 * This entry point is what applications and dialect authors need: the store, the
 * dialect and executor contracts, the built-in dialects, the options and the error
 * a statement timeout raises. The repository's own dialect packages also use
 * building blocks from `@cache/sql/internal`, which carries no compatibility promise.
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
export { parseTableName, DEFAULT_TABLE, type TableName } from './table-name.js';
export { resolveSqlTableOptions, type SqlTableOptions, type ResolvedSqlTableOptions } from './config.js';
export {
  type StatementTimeoutOptions,
  DEFAULT_QUERY_TIMEOUT_MS,
  DEFAULT_MAINTENANCE_TIMEOUT_MS,
  StatementTimeoutError,
} from './statement-timeouts.js';
