import { assertNoRenamedOptions, ConfigError, type Duration } from '@cache/core';
import { RENAMED_TABLE_OPTIONS, type SqlTableOptions, timerDuration } from '@cache/sql/internal';
import type Database from 'better-sqlite3';

/**
 * `synchronous` setting of a database the store opens.
 *
 * - `NORMAL` (default): in WAL mode a commit does not wait for an fsync; the WAL
 *   is synced at checkpoints. A committed write survives a crash of the process,
 *   but the last transactions before a power loss or OS crash may roll back. The
 *   database is never corrupted either way. For a cache this is the right trade:
 *   writes cost microseconds instead of an fsync (milliseconds on most disks).
 * - `FULL`: every commit fsyncs the WAL; committed writes survive power loss, at
 *   the price of one fsync per write.
 */
export type SqliteSynchronous = 'NORMAL' | 'FULL';

/** Options shared by both ways of giving the store its database. */
export interface SqliteStoreCommonOptions extends SqlTableOptions {
  /** Largest value accepted, in bytes. Default: SQLite's own limit (~1 GB). */
  readonly maxValueBytes?: number;
}

/** The store opens (and owns, and closes) the database file. */
export interface SqliteFileOptions extends SqliteStoreCommonOptions {
  /** Path of the database file; `':memory:'` for a private in-memory database. */
  readonly filename: string;
  readonly database?: undefined;
  /**
   * Journal mode of a file database. Default `'WAL'`: readers never block the
   * writer and several processes share the file well. Ignored for `:memory:`.
   */
  readonly journalMode?: 'WAL' | 'DELETE' | 'TRUNCATE' | 'PERSIST';
  /** Durability of commits (see {@link SqliteSynchronous}). Default `'NORMAL'`. */
  readonly synchronous?: SqliteSynchronous;
  /**
   * How long a statement waits for another process's lock before failing with
   * `SQLITE_BUSY`: ms or a duration string (`'5s'`); `0` = fail at once. Default 5 s.
   */
  readonly busyTimeout?: Duration;
  /** Passed to better-sqlite3 as-is (e.g. `{ nativeBinding }`); `timeout` is taken from `busyTimeout`. */
  readonly databaseOptions?: Omit<Database.Options, 'timeout'>;
}

/**
 * The caller's open better-sqlite3 database. The store never closes it and never
 * changes its pragmas: set `journal_mode`, `synchronous` and the busy timeout
 * yourself (better-sqlite3's default timeout is 5 s).
 */
export interface SqliteDatabaseOptions extends SqliteStoreCommonOptions {
  /** An open better-sqlite3 `Database`. */
  readonly database: Database.Database;
  readonly filename?: undefined;
}

/** Options of {@link SqliteStore}: `{ filename, … }` or `{ database, … }`. */
export type SqliteStoreOptions = SqliteFileOptions | SqliteDatabaseOptions;

/** Defaults applied to a database the store opens. */
export const SQLITE_DEFAULTS = {
  journalMode: 'WAL',
  synchronous: 'NORMAL',
  busyTimeout: 5_000,
} as const;

const JOURNAL_MODES = new Set(['WAL', 'DELETE', 'TRUNCATE', 'PERSIST']);
const SYNCHRONOUS = new Set(['NORMAL', 'FULL']);

/**
 * Checks the connection part of the options (the table part is checked by
 * `@cache/sql`) and resolves the busy timeout.
 *
 * @returns the busy timeout in ms (for a database the store opens)
 * @throws {@link ConfigError} for a missing or doubled connection, bad pragmas,
 *   or an option that was renamed.
 */
export function assertConnectionOptions(options: SqliteStoreOptions): number {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('SqliteStore needs options: { filename } or { database }');
  }
  assertNoRenamedOptions(options, { ...RENAMED_TABLE_OPTIONS, busyTimeoutMs: 'busyTimeout' }, 'SqliteStore');
  const hasFile = options.filename !== undefined;
  const hasDatabase = options.database !== undefined;
  if (hasFile === hasDatabase)
    throw new ConfigError('SqliteStore needs exactly one of filename and database');
  if (hasDatabase) {
    const db = options.database as Partial<Database.Database>;
    if (typeof db.prepare !== 'function' || typeof db.transaction !== 'function') {
      throw new ConfigError('database must be a better-sqlite3 Database');
    }
    if (db.open !== true) throw new ConfigError('database is closed');
    return SQLITE_DEFAULTS.busyTimeout;
  }
  const file = options as SqliteFileOptions;
  if (typeof file.filename !== 'string') throw new ConfigError('filename must be a string');
  if (file.journalMode !== undefined && !JOURNAL_MODES.has(file.journalMode)) {
    throw new ConfigError(`journalMode must be one of ${[...JOURNAL_MODES].join(', ')}`);
  }
  if (file.synchronous !== undefined && !SYNCHRONOUS.has(file.synchronous)) {
    throw new ConfigError('synchronous must be "NORMAL" or "FULL"');
  }
  return timerDuration(file.busyTimeout, 'busyTimeout', SQLITE_DEFAULTS.busyTimeout, true);
}

/**
 * Whether the store's database is private to this process, so that a default
 * prefix cannot collide with another application's: `:memory:` (or an injected
 * in-memory database). A file can be opened by anyone, so it needs a prefix.
 */
export function isPrivateDatabase(options: SqliteStoreOptions): boolean {
  return options.database === undefined ? options.filename === ':memory:' : options.database.memory;
}
