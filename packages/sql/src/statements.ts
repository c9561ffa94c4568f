import type { KeyStorage, SqlDialect, SqlNames } from './dialect.js';
import { sqlNames } from './dialect.js';
import type { TableName } from './table-name.js';

/** Most keys one `IN (…)` list carries; larger batches are split. */
const MAX_LOOKUP_BATCH = 512;
/** Most rows one multi-row upsert carries. */
const MAX_ROW_BATCH = 500;
/** Distinct multi-row upsert texts kept; other sizes are rebuilt per call. */
const MAX_CACHED_ROW_TEXTS = 64;

/**
 * Every statement a SQL store runs, rendered once per store from a dialect and a
 * table. Parameter orders (`I` is the key identity, see {@link keyIdentityColumns}):
 *
 * | statement | parameters | result |
 * |---|---|---|
 * | `get` | `...I, now` | rows `{ value }` |
 * | `getMany(n)` | `prefix, lookup × n, now` | rows `{ cache_key, value }` (+ `key_hash` for sha256) |
 * | `set` | `...I, value, expires_at` | – |
 * | `setMany(n)` | `(...I, value, expires_at) × n` | – |
 * | `add` (optional) | `...I, value, expires_at, now` | affected 1 = written |
 * | `addTakeover` | `value, expires_at, ...I, now` | affected 1 = expired row replaced |
 * | `insert` | `...I, value, expires_at` | duplicate-key error = present |
 * | `increment` (optional) | `...I, initial, expires_at, now, delta` | rows `{ value }`, none = not numeric |
 * | `insertOrLock` | `...I, value, expires_at` | – |
 * | `selectForUpdate` | `...I` | rows `{ value, expires_at }` |
 * | `update` | `value, expires_at, ...I` | – |
 * | `delete` | `...I` | – |
 * | `deleteMany(n)` | `prefix, lookup × n` | – |
 * | `deleteIfEquals` | `...I, value, now` | affected 1 = deleted |
 * | `flush` | `prefix` | – |
 * | `prune` | `now, limit` | affected = pruned |
 *
 * `lookup` is the key (`plain`) or its SHA-256 (`sha256`). Reads treat a row as
 * live when `expires_at = 0 OR expires_at > now`.
 */
export class SqlStatements {
  /** Quoted names. */
  readonly names: SqlNames;
  /** Key storage of the dialect. */
  readonly keyStorage: KeyStorage;
  /** DDL run on first use. */
  readonly createTable: readonly string[];
  /** Point read. */
  readonly get: string;
  /** Upsert of one row. */
  readonly set: string;
  /** Single-statement add, when the dialect has one. */
  readonly add: string | undefined;
  /** Replaces an expired row (two-step add). */
  readonly addTakeover: string;
  /** Plain insert (two-step add). */
  readonly insert: string;
  /** Single-statement increment, when the dialect has one. */
  readonly increment: string | undefined;
  /** Inserts a placeholder row or locks the existing one (transactional increment). */
  readonly insertOrLock: string;
  /** Locking read (transactional increment). */
  readonly selectForUpdate: string;
  /** Overwrites value and expiry of an existing row. */
  readonly update: string;
  /** Point delete. */
  readonly delete: string;
  /** Compare-and-delete of a live row. */
  readonly deleteIfEquals: string;
  /** Deletes the prefix. */
  readonly flush: string;
  /** Bounded delete of expired rows. */
  readonly prune: string;
  /** Most keys per `IN (…)` statement. */
  readonly maxLookupBatch: number;
  /** Most rows per multi-row upsert. */
  readonly maxRowBatch: number;

  private readonly dialect: SqlDialect;
  private readonly identity: readonly string[];
  private readonly rowColumns: string;
  private readonly upsertClause: string;
  private readonly live: (placeholder: string) => string;
  private readonly getManyTexts = new Map<number, string>();
  private readonly deleteManyTexts = new Map<number, string>();
  private readonly setManyTexts = new Map<number, string>();

  /**
   * @param dialect - the dialect rendering the statements
   * @param table - the validated table name
   */
  constructor(dialect: SqlDialect, table: TableName) {
    const n = sqlNames(dialect, table);
    this.dialect = dialect;
    this.names = n;
    this.keyStorage = dialect.keyStorage;
    this.identity = keyIdentityColumns(n, dialect.keyStorage);
    this.rowColumns = [...this.identity, n.value, n.expiresAt].join(', ');
    const overwritten =
      dialect.keyStorage === 'sha256' ? [n.key, n.value, n.expiresAt] : [n.value, n.expiresAt];
    this.upsertClause = dialect.upsertClause(n, overwritten);
    this.live = (p) => `(${n.expiresAt} = 0 OR ${n.expiresAt} > ${p})`;

    const idCount = this.identity.length;
    const rowCount = idCount + 2;
    this.maxLookupBatch = largestPowerOfTwo(Math.min(MAX_LOOKUP_BATCH, dialect.maxParameters - 2));
    this.maxRowBatch = Math.max(1, Math.min(MAX_ROW_BATCH, Math.floor(dialect.maxParameters / rowCount)));

    this.createTable = dialect.createTableStatements(n);
    this.get = `SELECT ${n.value} FROM ${n.table} WHERE ${this.idWhere(1)} AND ${this.live(this.ph(idCount + 1))}`;
    this.set = `INSERT INTO ${n.table} (${this.rowColumns}) VALUES (${this.phList(1, rowCount)}) ${this.upsertClause}`;
    this.add = dialect.addStatement?.(n);
    this.addTakeover =
      `UPDATE ${n.table} SET ${n.value} = ${this.ph(1)}, ${n.expiresAt} = ${this.ph(2)} ` +
      `WHERE ${this.idWhere(3)} AND ${n.expiresAt} > 0 AND ${n.expiresAt} <= ${this.ph(3 + idCount)}`;
    this.insert = `INSERT INTO ${n.table} (${this.rowColumns}) VALUES (${this.phList(1, rowCount)})`;
    this.increment = dialect.incrementStatement?.(n);
    this.insertOrLock =
      `INSERT INTO ${n.table} (${this.rowColumns}) VALUES (${this.phList(1, rowCount)}) ` +
      dialect.insertOrLockClause(n);
    this.selectForUpdate = `SELECT ${n.value}, ${n.expiresAt} FROM ${n.table} WHERE ${this.idWhere(1)}${dialect.lockingRead}`;
    this.update = `UPDATE ${n.table} SET ${n.value} = ${this.ph(1)}, ${n.expiresAt} = ${this.ph(2)} WHERE ${this.idWhere(3)}`;
    this.delete = `DELETE FROM ${n.table} WHERE ${this.idWhere(1)}`;
    this.deleteIfEquals =
      `DELETE FROM ${n.table} WHERE ${this.idWhere(1)} AND ${n.value} = ${this.ph(idCount + 1)} ` +
      `AND ${this.live(this.ph(idCount + 2))}`;
    this.flush = `DELETE FROM ${n.table} WHERE ${n.prefix} = ${this.ph(1)}`;
    this.prune = dialect.pruneStatement(n);
  }

  /**
   * Batch read of exactly `count` lookups (use {@link lookupBatchSize} and pad,
   * so that only a handful of distinct texts, and prepared statements, exist).
   */
  getMany(count: number): string {
    return memo(this.getManyTexts, count, () => {
      const n = this.names;
      const columns = this.keyStorage === 'sha256' ? `${n.keyHash}, ${n.key}` : n.key;
      return (
        `SELECT ${columns}, ${n.value} FROM ${n.table} WHERE ${n.prefix} = ${this.ph(1)} ` +
        `AND ${this.lookupColumn()} IN (${this.phList(2, count)}) AND ${this.live(this.ph(count + 2))}`
      );
    });
  }

  /** Batch delete of exactly `count` lookups (pad like {@link SqlStatements.getMany}). */
  deleteMany(count: number): string {
    return memo(this.deleteManyTexts, count, () => {
      const n = this.names;
      return (
        `DELETE FROM ${n.table} WHERE ${n.prefix} = ${this.ph(1)} ` +
        `AND ${this.lookupColumn()} IN (${this.phList(2, count)})`
      );
    });
  }

  /** Multi-row upsert of `count` distinct keys (at most {@link SqlStatements.maxRowBatch}). */
  setMany(count: number): string {
    const build = (): string => {
      const perRow = this.identity.length + 2;
      const rows = Array.from({ length: count }, (_, i) => `(${this.phList(1 + i * perRow, perRow)})`);
      return `INSERT INTO ${this.names.table} (${this.rowColumns}) VALUES ${rows.join(', ')} ${this.upsertClause}`;
    };
    if (this.setManyTexts.size >= MAX_CACHED_ROW_TEXTS && !this.setManyTexts.has(count)) return build();
    return memo(this.setManyTexts, count, build);
  }

  /** `prefix = ? AND cache_key = ?` (plus `key_hash` for sha256) starting at placeholder `first`. */
  private idWhere(first: number): string {
    return this.identity.map((column, i) => `${column} = ${this.ph(first + i)}`).join(' AND ');
  }

  private lookupColumn(): string {
    return this.keyStorage === 'sha256' ? this.names.keyHash : this.names.key;
  }

  private ph(index: number): string {
    return this.dialect.placeholder(index);
  }

  private phList(first: number, count: number): string {
    return Array.from({ length: count }, (_, i) => this.ph(first + i)).join(', ');
  }
}

/** The key identity columns, in parameter order. */
export function keyIdentityColumns(n: SqlNames, storage: KeyStorage): readonly string[] {
  return storage === 'sha256' ? [n.prefix, n.keyHash, n.key] : [n.prefix, n.key];
}

/**
 * Size of the `IN (…)` statement to use for `count` lookups: the next power of
 * two, at most `max`. Callers pad the list by repeating a key (harmless in
 * `IN`), so a store needs at most log2(max) + 1 distinct statements.
 */
export function lookupBatchSize(count: number, max: number): number {
  if (count >= max) return max;
  let size = 1;
  while (size < count) size *= 2;
  return size;
}

function largestPowerOfTwo(limit: number): number {
  let size = 1;
  while (size * 2 <= limit) size *= 2;
  return size;
}

function memo(cache: Map<number, string>, count: number, build: () => string): string {
  let text = cache.get(count);
  if (text === undefined) {
    text = build();
    cache.set(count, text);
  }
  return text;
}
