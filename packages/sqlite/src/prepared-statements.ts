import type { SqlStatements } from '@cache/sql/internal';
import type Database from 'better-sqlite3';

type Statement = Database.Statement<unknown[], unknown>;

/**
 * The store's statements prepared once on its database. better-sqlite3 is
 * synchronous, so running a cached prepared statement directly is the fastest
 * path there is; the statement texts themselves come from `@cache/sql`'s
 * SQLite dialect, shared with the async `SqlStore`.
 */
export class PreparedStatements {
  /** Point read, plucking `value`: `(prefix, key, now)` → bytes or `undefined`. */
  readonly get: Statement;
  /** Upsert: `(prefix, key, value, expires_at)`. */
  readonly set: Statement;
  /** Insert if absent or expired: `(prefix, key, value, expires_at, now)` → changes. */
  readonly add: Statement;
  /** Read of value and expiry (inside the increment's write transaction): `(prefix, key)`. */
  readonly read: Statement;
  /** Point delete: `(prefix, key)`. */
  readonly delete: Statement;
  /** Compare-and-delete of a live row: `(prefix, key, value, now)` → changes. */
  readonly deleteIfEquals: Statement;
  /** Prefix delete: `(prefix)`. */
  readonly flush: Statement;
  /**
   * The next rows in primary-key order after a cursor, for pruning:
   * `(prefix, key, count)` → raw rows `[prefix, cache_key, expires_at]`.
   */
  readonly pruneWindow: Statement;

  private readonly getManyBySize = new Map<number, Statement>();
  private readonly deleteManyBySize = new Map<number, Statement>();

  /**
   * @param db - the database
   * @param sql - statement texts for the store's table
   */
  constructor(
    private readonly db: Database.Database,
    private readonly sql: SqlStatements,
  ) {
    const add = sql.add;
    if (add === undefined) throw new Error('the SQLite dialect must provide a single-statement add');
    this.get = db.prepare(sql.get).pluck();
    this.set = db.prepare(sql.set);
    this.add = db.prepare(add);
    this.read = db.prepare(sql.selectForUpdate);
    this.delete = db.prepare(sql.delete);
    this.deleteIfEquals = db.prepare(sql.deleteIfEquals);
    this.flush = db.prepare(sql.flush);
    const n = sql.names;
    this.pruneWindow = db
      .prepare(
        `SELECT ${n.prefix}, ${n.key}, ${n.expiresAt} FROM ${n.table} ` +
          `WHERE (${n.prefix}, ${n.key}) > (?, ?) ORDER BY ${n.prefix}, ${n.key} LIMIT ?`,
      )
      .raw();
  }

  /** Batch read for exactly `size` keys (sizes are powers of two: a handful of statements). */
  getMany(size: number): Statement {
    return cached(this.getManyBySize, size, () => this.db.prepare(this.sql.getMany(size)).raw());
  }

  /** Batch delete for exactly `size` keys. */
  deleteMany(size: number): Statement {
    return cached(this.deleteManyBySize, size, () => this.db.prepare(this.sql.deleteMany(size)));
  }
}

function cached(cache: Map<number, Statement>, size: number, prepare: () => Statement): Statement {
  let statement = cache.get(size);
  if (statement === undefined) {
    statement = prepare();
    cache.set(size, statement);
  }
  return statement;
}
