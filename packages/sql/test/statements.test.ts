import { describe, expect, it } from 'vitest';
import {
  lookupBatchSize,
  mysqlDialect,
  parseTableName,
  postgresDialect,
  type SqlDialect,
  SqlStatements,
  sqliteDialect,
} from '../src/internal.js';

/** Every statement text of a SqlStatements, by name. */
function allTexts(s: SqlStatements): Record<string, string> {
  const texts: Record<string, string> = {
    get: s.get,
    set: s.set,
    addTakeover: s.addTakeover,
    insert: s.insert,
    insertOrLock: s.insertOrLock,
    selectForUpdate: s.selectForUpdate,
    update: s.update,
    delete: s.delete,
    deleteIfEquals: s.deleteIfEquals,
    flush: s.flush,
    prune: s.prune,
    getMany4: s.getMany(4),
    deleteMany4: s.deleteMany(4),
    setMany3: s.setMany(3),
  };
  if (s.add !== undefined) texts.add = s.add;
  if (s.increment !== undefined) texts.increment = s.increment;
  return texts;
}

/** Parameter count each statement must take, from the documented orders. */
function expectedParams(dialect: SqlDialect): Record<string, number> {
  const id = dialect.keyStorage === 'sha256' ? 3 : 2;
  return {
    get: id + 1,
    set: id + 2,
    addTakeover: id + 3,
    insert: id + 2,
    insertOrLock: id + 2,
    selectForUpdate: id,
    update: id + 2,
    delete: id,
    deleteIfEquals: id + 2,
    flush: 1,
    prune: 2,
    getMany4: 6,
    deleteMany4: 5,
    setMany3: 3 * (id + 2),
    add: id + 3,
    increment: id + 4,
  };
}

describe('SqlStatements', () => {
  const table = parseTableName('app_cache.entries');

  it.each([
    ['sqlite', sqliteDialect],
    ['mysql', mysqlDialect],
  ] as const)('%s: "?" placeholders, one per documented parameter', (_name, dialect) => {
    const s = new SqlStatements(dialect, table);
    const expected = expectedParams(dialect);
    for (const [name, sql] of Object.entries(allTexts(s))) {
      expect(sql.match(/\?/g)?.length ?? 0, name).toBe(expected[name]);
    }
  });

  it('postgres: $n placeholders numbered 1..k, k the documented parameter count', () => {
    const s = new SqlStatements(postgresDialect, table);
    const expected = expectedParams(postgresDialect);
    for (const [name, sql] of Object.entries(allTexts(s))) {
      const used = new Set([...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
      const k = expected[name] as number;
      expect(
        [...used].sort((a, b) => a - b),
        name,
      ).toEqual(Array.from({ length: k }, (_, i) => i + 1));
    }
  });

  it('quotes the schema-qualified table and its index per dialect', () => {
    expect(new SqlStatements(postgresDialect, table).flush).toBe(
      'DELETE FROM "app_cache"."entries" WHERE "prefix" = $1',
    );
    expect(new SqlStatements(mysqlDialect, table).flush).toBe(
      'DELETE FROM `app_cache`.`entries` WHERE `prefix` = ?',
    );
    const sqlite = new SqlStatements(sqliteDialect, table).createTable;
    // A WITHOUT ROWID table and no expiry index: the one earlier releases created is
    // dropped (SQLite qualifies the index name with the schema).
    expect(sqlite[0]).toMatch(/^CREATE TABLE IF NOT EXISTS "app_cache"\."entries" \(.*\) WITHOUT ROWID$/);
    expect(sqlite[1]).toBe('DROP INDEX IF EXISTS "app_cache"."entries_expires_at_idx"');
    expect(sqlite).toHaveLength(2);
    const mysql = new SqlStatements(mysqlDialect, table).createTable;
    expect(mysql).toHaveLength(1);
    expect(mysql[0]).toContain(
      'PRIMARY KEY (`prefix`, `key_hash`), KEY `entries_expires_at_idx` (`expires_at`)',
    );
  });

  it('chooses single statements or fallbacks per dialect', () => {
    expect(new SqlStatements(sqliteDialect, table).add).toBeDefined();
    expect(new SqlStatements(sqliteDialect, table).increment).toBeUndefined();
    expect(new SqlStatements(postgresDialect, table).add).toBeDefined();
    expect(new SqlStatements(postgresDialect, table).increment).toContain('RETURNING');
    expect(new SqlStatements(mysqlDialect, table).add).toBeUndefined();
    expect(new SqlStatements(mysqlDialect, table).increment).toBeUndefined();
    expect(new SqlStatements(mysqlDialect, table).selectForUpdate).toMatch(/FOR UPDATE$/);
  });

  it("sizes batches within each dialect's parameter limit", () => {
    const sqlite = new SqlStatements(sqliteDialect, table);
    expect(sqlite.maxLookupBatch).toBe(512);
    expect(sqlite.maxRowBatch * 4).toBeLessThanOrEqual(sqliteDialect.maxParameters);
    expect(new SqlStatements(postgresDialect, table).maxRowBatch).toBe(500);
  });

  it('lookupBatchSize rounds up to a power of two, capped', () => {
    expect([1, 2, 3, 5, 250, 512, 513, 10_000].map((n) => lookupBatchSize(n, 512))).toEqual([
      1, 2, 4, 8, 256, 512, 512, 512,
    ]);
  });
});
