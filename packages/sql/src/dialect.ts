/**
 * The SQL dialect contract: everything that differs between SQLite, PostgreSQL
 * and MySQL/MariaDB, kept small enough that a new dialect is one short file.
 *
 * A dialect is pure: it builds statement texts and classifies driver errors, and
 * never talks to a database. {@link buildStatements} composes the shared
 * statements from these pieces; the store runs them through an executor
 * (async drivers) or directly (the synchronous SQLite store).
 *
 * @packageDocumentation
 */

/**
 * How the key is stored and indexed.
 *
 * - `plain`: primary key `(prefix, cache_key)` on the key itself. Fine where the
 *   index accepts keys of several KiB (SQLite).
 * - `sha256`: primary key `(prefix, key_hash)` on the 32-byte SHA-256 of the key,
 *   with the full key stored alongside and compared on every read. Needed where
 *   an index entry is capped (MySQL InnoDB 3072 bytes, PostgreSQL B-tree ~2700
 *   bytes) but keys may be 4 KiB.
 */
export type KeyStorage = 'plain' | 'sha256';

/**
 * Quoted names the statements use, derived once from the validated table name.
 * Column names are fixed: `prefix`, `key_hash` (sha256 storage only),
 * `cache_key`, `value`, `expires_at`.
 */
export interface SqlNames {
  /** The table, schema-qualified when a schema was given. */
  readonly table: string;
  /** The schema alone, or `undefined`. */
  readonly schema: string | undefined;
  /** The table name alone (unqualified). */
  readonly tableName: string;
  /** The expiry index name (unqualified; SQLite no longer creates it, and drops it). */
  readonly index: string;
  /** Column `prefix`. */
  readonly prefix: string;
  /** Column `key_hash` (used by `sha256` key storage). */
  readonly keyHash: string;
  /** Column `cache_key`. */
  readonly key: string;
  /** Column `value`. */
  readonly value: string;
  /** Column `expires_at` (integer ms since the epoch, `0` = never). */
  readonly expiresAt: string;
  /** Primary-key columns, comma-separated: the upsert conflict target. */
  readonly primaryKey: string;
}

/**
 * One dialect. The shapes follow the split ORMs such as drizzle use (a dialect
 * that renders SQL, a session/executor that runs it), reduced to what a cache
 * table needs.
 *
 * Parameter orders of the optional single-statement hooks are fixed here so that
 * the store can bind them without knowing the dialect; `I` stands for the key
 * identity: `prefix, cache_key` for `plain` storage and
 * `prefix, key_hash, cache_key` for `sha256` storage.
 */
export interface SqlDialect {
  /** Dialect name; also the default driver name reported by the store. */
  readonly name: string;
  /** How keys are indexed (see {@link KeyStorage}). */
  readonly keyStorage: KeyStorage;
  /** Largest value the column and the wire protocol accept, or `undefined`. */
  readonly maxValueBytes: number | undefined;
  /** Most bind parameters one statement may carry. */
  readonly maxParameters: number;
  /** Whether committed rows survive a server crash (false for e.g. Postgres UNLOGGED tables). */
  readonly durable: boolean;

  /** Quotes one identifier part (already validated as `[A-Za-z_][A-Za-z0-9_]*`). */
  quoteIdentifier(part: string): string;
  /** Placeholder for the 1-based parameter `index` (`?`, `$1`). */
  placeholder(index: number): string;

  /**
   * DDL that creates the table (and the `expires_at` index where the dialect
   * keeps one) when missing, run in order on first use. Must be idempotent
   * (`IF NOT EXISTS`, `IF EXISTS`); a lost creation race is recognised by
   * {@link SqlDialect.isAlreadyExistsError}.
   */
  createTableStatements(names: SqlNames): readonly string[];

  /**
   * Clause appended to `INSERT INTO t (…) VALUES (…)` that makes it an upsert
   * overwriting `columns` (quoted) with the proposed row's values:
   * `ON CONFLICT (…) DO UPDATE SET c = excluded.c` or
   * `ON DUPLICATE KEY UPDATE c = VALUES(c)`.
   */
  upsertClause(names: SqlNames, columns: readonly string[]): string;

  /**
   * Clause appended to `INSERT INTO t (…) VALUES (…)` that leaves an existing row
   * untouched but, where the engine needs it, write-locks it for the rest of the
   * transaction (`ON CONFLICT DO NOTHING`; MySQL: `ON DUPLICATE KEY UPDATE
   * expires_at = expires_at`, whose exclusive lock avoids the shared-lock upgrade
   * deadlock of `INSERT IGNORE`).
   */
  insertOrLockClause(names: SqlNames): string;

  /** Suffix of a locking read inside a transaction (`' FOR UPDATE'`; SQLite: `''`). */
  readonly lockingRead: string;

  /**
   * Optional single-statement "insert if absent or expired". Parameters:
   * `...I, value, expires_at, now`. Must report one affected row when it wrote
   * and zero otherwise, atomically against concurrent adders. Without it the
   * store updates an expired row (`UPDATE … WHERE expired`) and otherwise inserts,
   * reading a duplicate-key error as "present".
   */
  addStatement?(names: SqlNames): string;

  /**
   * Optional single-statement atomic increment. Parameters:
   * `...I, initial_value, expires_at, now, delta`, where `initial_value` is the
   * ASCII decimal of `delta` (the row to insert when absent). Must return the new
   * `value` column as one row, or no row when the live stored value is not
   * numeric by `COUNTER_PATTERN` of `@cache/core` (a canonical decimal integer:
   * `"05"`, `"-0"`, `"+5"`, `" 5"` are not) and a safe integer, or the result
   * would leave ±(2^53 − 1) (the stored value is then unchanged). Without it the store runs a locking
   * transaction (insert-or-lock, locking read, update), which needs
   * {@link SqlExecutor.transaction}.
   */
  incrementStatement?(names: SqlNames): string;

  /**
   * Deletes at most `limit` expired rows (`0 < expires_at <= now`) of the whole
   * table. Parameters: `now, limit`.
   */
  pruneStatement(names: SqlNames): string;

  /** Whether `error` is a primary-key (unique) violation. */
  isDuplicateKeyError(error: unknown): boolean;
  /** Whether `error` is a DDL "already exists" error from a lost `CREATE … IF NOT EXISTS` race. */
  isAlreadyExistsError(error: unknown): boolean;
  /** Whether a transaction failed for a reason that retrying it cures (deadlock, serialization failure). */
  isTransientTransactionError(error: unknown): boolean;
}

/** Builds the {@link SqlNames} of `table` for `dialect`. */
export function sqlNames(
  dialect: SqlDialect,
  table: { readonly schema: string | undefined; readonly name: string; readonly indexName: string },
): SqlNames {
  const q = (part: string): string => dialect.quoteIdentifier(part);
  const schema = table.schema === undefined ? undefined : q(table.schema);
  const tableName = q(table.name);
  const prefix = q('prefix');
  const keyHash = q('key_hash');
  const key = q('cache_key');
  return {
    table: schema === undefined ? tableName : `${schema}.${tableName}`,
    schema,
    tableName,
    index: q(table.indexName),
    prefix,
    keyHash,
    key,
    value: q('value'),
    expiresAt: q('expires_at'),
    primaryKey: dialect.keyStorage === 'sha256' ? `${prefix}, ${keyHash}` : `${prefix}, ${key}`,
  };
}

/**
 * The `code` of a driver error as a string (pg: SQLSTATE such as `23505`;
 * better-sqlite3: `SQLITE_CONSTRAINT_PRIMARYKEY`; mysql2: `ER_DUP_ENTRY`), or `undefined`.
 */
export function driverErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const candidate = error as { code?: unknown };
  if (typeof candidate.code === 'string' || typeof candidate.code === 'number') return String(candidate.code);
  return undefined;
}

/** Numeric `errno` of a driver error (mysql2), or `undefined`. */
export function driverErrno(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const errno = (error as { errno?: unknown }).errno;
  return typeof errno === 'number' ? errno : undefined;
}
