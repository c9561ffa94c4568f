import { ConfigError } from '@cache/core';
import type { SqlDialect } from '../dialect.js';
import { driverErrno, driverErrorCode } from '../dialect.js';

/** Options of {@link createMysqlDialect}. */
export interface MysqlDialectOptions {
  /**
   * Largest value accepted, in bytes. The column is `LONGBLOB`, but one statement
   * must fit in the server's `max_allowed_packet` (16 MiB on MariaDB, 64 MiB on
   * MySQL 8 by default), so the default is 16 MiB minus 64 KiB for the key and
   * the statement. Raise it together with `max_allowed_packet`.
   */
  readonly maxValueBytes?: number;
}

const DEFAULT_MAX_VALUE_BYTES = 16 * 1024 * 1024 - 64 * 1024;

// Server error numbers (mysqld_error.h; identical on MariaDB).
const ER_TABLE_EXISTS_ERROR = 1050;
const ER_DUP_KEYNAME = 1061;
const ER_DUP_ENTRY = 1062;
const ER_LOCK_DEADLOCK = 1213;

/**
 * MySQL 5.7+ / MariaDB 10.3+ (InnoDB): `sha256` keys in a `BINARY(32)` primary
 * key (InnoDB index entries are capped at 3072 bytes), binary columns throughout
 * so that no collation folds case, trailing spaces or accents (`'Key'`,
 * `'key'` and `'key '` stay three keys).
 *
 * MySQL has no `ON CONFLICT … WHERE` and its affected-row count for
 * `ON DUPLICATE KEY UPDATE` depends on the client's `CLIENT_FOUND_ROWS` flag,
 * so `add` uses the two-step fallback (take over an expired row, else insert and
 * read a duplicate key as "present") and `increment` the locking transaction.
 * `VALUES(col)` in `ON DUPLICATE KEY UPDATE` is deprecated in MySQL 8.0.20+ but
 * still supported, and it is the only spelling MariaDB accepts.
 */
export function createMysqlDialect(options: MysqlDialectOptions = {}): SqlDialect {
  const maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
  if (!Number.isSafeInteger(maxValueBytes) || maxValueBytes <= 0) {
    throw new ConfigError(`maxValueBytes must be a positive integer, got ${String(options.maxValueBytes)}`);
  }
  return {
    name: 'mysql',
    keyStorage: 'sha256',
    maxValueBytes,
    maxParameters: 65_535,
    durable: true,

    quoteIdentifier: (part) => `\`${part}\``,
    placeholder: () => '?',

    createTableStatements(n) {
      // MySQL has no CREATE INDEX IF NOT EXISTS (MariaDB does): declare the index inline.
      return [
        `CREATE TABLE IF NOT EXISTS ${n.table} (` +
          `${n.prefix} VARBINARY(255) NOT NULL, ${n.keyHash} BINARY(32) NOT NULL, ${n.key} BLOB NOT NULL, ` +
          `${n.value} LONGBLOB NOT NULL, ${n.expiresAt} BIGINT NOT NULL DEFAULT 0, ` +
          `PRIMARY KEY (${n.primaryKey}), KEY ${n.index} (${n.expiresAt})) ENGINE=InnoDB`,
      ];
    },

    upsertClause: (_names, columns) =>
      `ON DUPLICATE KEY UPDATE ${columns.map((c) => `${c} = VALUES(${c})`).join(', ')}`,
    // A no-op update still takes the row's exclusive lock (INSERT IGNORE would take a
    // shared one, and two sessions upgrading shared locks deadlock).
    insertOrLockClause: (n) => `ON DUPLICATE KEY UPDATE ${n.expiresAt} = ${n.expiresAt}`,
    lockingRead: ' FOR UPDATE',

    pruneStatement(n) {
      return `DELETE FROM ${n.table} WHERE ${n.expiresAt} > 0 AND ${n.expiresAt} <= ? LIMIT ?`;
    },

    isDuplicateKeyError(error) {
      return driverErrno(error) === ER_DUP_ENTRY || driverErrorCode(error) === 'ER_DUP_ENTRY';
    },
    isAlreadyExistsError(error) {
      const errno = driverErrno(error);
      return errno === ER_TABLE_EXISTS_ERROR || errno === ER_DUP_KEYNAME;
    },
    isTransientTransactionError(error) {
      return driverErrno(error) === ER_LOCK_DEADLOCK || driverErrorCode(error) === 'ER_LOCK_DEADLOCK';
    },
  };
}

/** The MySQL/MariaDB dialect with default options. */
export const mysqlDialect: SqlDialect = createMysqlDialect();
