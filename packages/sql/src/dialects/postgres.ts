import { COUNTER_PATTERN } from '@cache/core';
import type { SqlDialect, SqlNames } from '../dialect.js';
import { driverErrorCode } from '../dialect.js';

/** Options of {@link createPostgresDialect}. */
export interface PostgresDialectOptions {
  /**
   * Create the table `UNLOGGED`: writes skip the WAL (markedly faster), but the
   * table is emptied after a crash and is not replicated. Default `false`.
   * Only affects a table this store creates.
   */
  readonly unlogged?: boolean;
}

// SQLSTATE codes (https://www.postgresql.org/docs/current/errcodes-appendix.html).
const UNIQUE_VIOLATION = '23505';
const DUPLICATE_TABLE = '42P07';
const DUPLICATE_OBJECT = '42710';
const DEADLOCK_DETECTED = '40P01';
const SERIALIZATION_FAILURE = '40001';

/** `Number.MAX_SAFE_INTEGER`: counters stay exact in JavaScript. */
const MAX_SAFE = String(Number.MAX_SAFE_INTEGER);

/** Largest `bytea` value PostgreSQL stores (1 GiB − 1). */
const BYTEA_MAX = 1_073_741_823;

/**
 * PostgreSQL (9.5+ for `ON CONFLICT`): `sha256` keys (B-tree entries are capped
 * near 2.7 KB, and `text` cannot hold NUL, so the key is `bytea`), `bytea`
 * values, `bigint` expiry. `add` and `increment` are single statements:
 * `ON CONFLICT … DO UPDATE … WHERE` locks the conflicting row and re-checks the
 * condition on its latest version, which makes both atomic under concurrency.
 */
export function createPostgresDialect(options: PostgresDialectOptions = {}): SqlDialect {
  const unlogged = options.unlogged === true;
  return {
    name: 'postgres',
    keyStorage: 'sha256',
    maxValueBytes: BYTEA_MAX,
    maxParameters: 65_535,
    durable: !unlogged,

    quoteIdentifier: (part) => `"${part}"`,
    placeholder: (index) => `$${index}`,

    createTableStatements(n) {
      return [
        `CREATE ${unlogged ? 'UNLOGGED ' : ''}TABLE IF NOT EXISTS ${n.table} (` +
          `${n.prefix} TEXT NOT NULL, ${n.keyHash} BYTEA NOT NULL, ${n.key} BYTEA NOT NULL, ` +
          `${n.value} BYTEA NOT NULL, ${n.expiresAt} BIGINT NOT NULL DEFAULT 0, ` +
          `PRIMARY KEY (${n.primaryKey}))`,
        `CREATE INDEX IF NOT EXISTS ${n.index} ON ${n.table} (${n.expiresAt})`,
      ];
    },

    upsertClause: (n, columns) => onConflictUpdate(n, columns),
    insertOrLockClause: () => 'ON CONFLICT DO NOTHING',
    lockingRead: ' FOR UPDATE',

    addStatement(n) {
      return (
        `INSERT INTO ${n.table} AS existing (${rowColumns(n)}) VALUES ($1, $2, $3, $4, $5) ` +
        `${onConflictUpdate(n, [n.key, n.value, n.expiresAt])} ` +
        `WHERE existing.${n.expiresAt} > 0 AND existing.${n.expiresAt} <= $6`
      );
    },

    incrementStatement(n) {
      // The stored counter is ASCII decimal bytes. encode(…, 'escape') turns the bytea
      // into text without failing on invalid UTF-8 (non-ASCII bytes become \ooo and
      // fail the pattern). CASE fixes evaluation order, so the ::bigint cast only runs
      // on text the pattern accepted; when the WHERE rejects the row, nothing is
      // written and RETURNING yields no row.
      // The numeric rule is COUNTER_PATTERN of @cache/core (canonical decimal: no
      // leading zero, sign or space; "-0" refused), the same as decodeCounter's, and
      // both the stored value and the sum must be safe integers.
      const stored = `encode(existing.${n.value}, 'escape')`;
      const expired = `(existing.${n.expiresAt} > 0 AND existing.${n.expiresAt} <= $6)`;
      const current = `CASE WHEN ${expired} THEN 0 ELSE ${stored}::bigint END`;
      return (
        `INSERT INTO ${n.table} AS existing (${rowColumns(n)}) VALUES ($1, $2, $3, $4, $5) ` +
        `ON CONFLICT (${n.primaryKey}) DO UPDATE SET ` +
        `${n.value} = convert_to((${current} + $7::bigint)::text, 'UTF8'), ` +
        `${n.expiresAt} = EXCLUDED.${n.expiresAt}, ${n.key} = EXCLUDED.${n.key} ` +
        `WHERE ${expired} OR CASE WHEN ${stored} ~ '${COUNTER_PATTERN.source}' ` +
        `THEN abs(${stored}::bigint) <= ${MAX_SAFE} AND abs(${stored}::bigint + $7::bigint) <= ${MAX_SAFE} ` +
        `ELSE false END ` +
        `RETURNING ${n.value}`
      );
    },

    pruneStatement(n) {
      // ctid picks at most $2 rows (Postgres has no DELETE … LIMIT); the outer
      // condition is re-checked on a row updated concurrently, so a refreshed entry
      // is never pruned.
      const expired = `${n.expiresAt} > 0 AND ${n.expiresAt} <= $1`;
      return (
        `DELETE FROM ${n.table} WHERE ctid = ANY (ARRAY(SELECT ctid FROM ${n.table} WHERE ${expired} LIMIT $2)) ` +
        `AND ${expired}`
      );
    },

    isDuplicateKeyError: (error) => driverErrorCode(error) === UNIQUE_VIOLATION,
    isAlreadyExistsError(error) {
      // Two concurrent CREATE TABLE IF NOT EXISTS can both pass the existence check;
      // the loser fails on the catalog's unique index (23505) or with 42P07.
      const code = driverErrorCode(error);
      return code === DUPLICATE_TABLE || code === DUPLICATE_OBJECT || code === UNIQUE_VIOLATION;
    },
    isTransientTransactionError(error) {
      const code = driverErrorCode(error);
      return code === DEADLOCK_DETECTED || code === SERIALIZATION_FAILURE;
    },
  };
}

/** The PostgreSQL dialect with default options. */
export const postgresDialect: SqlDialect = createPostgresDialect();

function rowColumns(n: SqlNames): string {
  return `${n.prefix}, ${n.keyHash}, ${n.key}, ${n.value}, ${n.expiresAt}`;
}

function onConflictUpdate(n: SqlNames, columns: readonly string[]): string {
  return `ON CONFLICT (${n.primaryKey}) DO UPDATE SET ${columns.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`;
}
