import type { SqlDialect, SqlNames } from '../dialect.js';
import { driverErrorCode } from '../dialect.js';

/**
 * SQLite (3.24+ for upsert): `plain` keys (SQLite indexes keys of any length),
 * `BLOB` values, `INTEGER` expiry, a `WITHOUT ROWID` table. SQLite has no row locks: the write
 * transactions of the increment must be `BEGIN IMMEDIATE`, which takes the
 * database write lock up front, so the "locking read" needs no suffix.
 */
export const sqliteDialect: SqlDialect = {
  name: 'sqlite',
  keyStorage: 'plain',
  // SQLITE_MAX_LENGTH (default 1,000,000,000) bounds a whole row; keep room for the key.
  maxValueBytes: 1_000_000_000 - 64 * 1024,
  // SQLITE_MAX_VARIABLE_NUMBER was 999 before 3.32: stay portable to older builds.
  maxParameters: 999,
  durable: true,

  quoteIdentifier: (part) => `"${part}"`,
  placeholder: () => '?',

  createTableStatements(n) {
    // WITHOUT ROWID: the row lives in the primary-key B-tree, so a lookup or an
    // upsert touches one tree instead of the key index plus the rowid table. No
    // expires_at index: it cost ~1 µs per upsert (every write moves the entry) and
    // served only pruning, which walks the primary key in bounded batches instead.
    // Tables created by earlier releases (rowid, with the index) keep working; the
    // index is dropped here because nothing reads it any more.
    const legacyIndex = n.schema === undefined ? n.index : `${n.schema}.${n.index}`;
    return [
      `CREATE TABLE IF NOT EXISTS ${n.table} (` +
        `${n.prefix} TEXT NOT NULL, ${n.key} TEXT NOT NULL, ${n.value} BLOB NOT NULL, ` +
        `${n.expiresAt} INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (${n.primaryKey})) WITHOUT ROWID`,
      `DROP INDEX IF EXISTS ${legacyIndex}`,
    ];
  },

  upsertClause: (n, columns) => onConflictUpdate(n, columns),
  insertOrLockClause: () => 'ON CONFLICT DO NOTHING',
  lockingRead: '',

  addStatement(n) {
    return (
      `INSERT INTO ${n.table} AS existing (${n.prefix}, ${n.key}, ${n.value}, ${n.expiresAt}) VALUES (?, ?, ?, ?) ` +
      `${onConflictUpdate(n, [n.value, n.expiresAt])} ` +
      `WHERE existing.${n.expiresAt} > 0 AND existing.${n.expiresAt} <= ?`
    );
  },

  pruneStatement(n) {
    // By primary key, not rowid: WITHOUT ROWID tables have none. Without an expiry
    // index this scans until it has found `limit` rows; SqliteStore prunes in
    // bounded primary-key windows instead (see its prune()).
    return (
      `DELETE FROM ${n.table} WHERE (${n.prefix}, ${n.key}) IN (SELECT ${n.prefix}, ${n.key} FROM ${n.table} ` +
      `WHERE ${n.expiresAt} > 0 AND ${n.expiresAt} <= ? LIMIT ?)`
    );
  },

  isDuplicateKeyError(error) {
    const code = driverErrorCode(error);
    return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
  },
  isAlreadyExistsError(error) {
    return error instanceof Error && /already exists/i.test(error.message);
  },
  // Writers are serialised by the database lock and wait on busy_timeout: there is
  // no deadlock to retry.
  isTransientTransactionError: () => false,
};

function onConflictUpdate(n: SqlNames, columns: readonly string[]): string {
  return `ON CONFLICT (${n.primaryKey}) DO UPDATE SET ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}`;
}
