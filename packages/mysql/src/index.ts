/**
 * `@cache/mysql`: a MySQL / MariaDB cache store on mysql2, built on the
 * dialect-neutral `@cache/sql`.
 *
 * @packageDocumentation
 */
export { MysqlStore } from './mysql-store.js';
export {
  type MysqlStoreOptions,
  MYSQL_POOL_DEFAULTS,
} from './options.js';
export { MysqlExecutor, MysqlTimeoutError } from './mysql-executor.js';
export {
  StatementRegistry,
  type StatementTimeouts,
  DEFAULT_QUERY_TIMEOUT_MS,
  DEFAULT_MAINTENANCE_TIMEOUT_MS,
} from '@cache/sql/internal';
export { mysqlDialect, createMysqlDialect, type PruneOptions } from '@cache/sql';
