/**
 * `@cache/sqlite`: a SQLite cache store on better-sqlite3, built on the
 * dialect-neutral `@cache/sql`.
 *
 * @packageDocumentation
 */
export { SqliteStore } from './sqlite-store.js';
export {
  type SqliteStoreOptions,
  type SqliteFileOptions,
  type SqliteDatabaseOptions,
  type SqliteStoreCommonOptions,
  type SqliteSynchronous,
  SQLITE_DEFAULTS,
} from './options.js';
export { sqliteDialect } from '@cache/sql';
