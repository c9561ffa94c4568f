import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_EXPIRY, utf8 } from '@cache/core';
import Database from 'better-sqlite3';
import { SqlStore, sqliteDialect } from '@cache/sql/internal';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/index.js';
import { betterSqliteExecutor } from './support/better-sqlite-executor.js';

const dir = mkdtempSync(join(tmpdir(), 'cache-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCounter = 0;
const freshFile = (): string => join(dir, `store-${++fileCounter}.db`);
const text = (value: string): Uint8Array => utf8(value);
const decode = (value: Uint8Array | undefined): string | undefined =>
  value === undefined ? undefined : new TextDecoder().decode(value);
const LONG_TTL = 3_600_000;
const configError = expect.objectContaining({ code: 'CACHE_INVALID_CONFIG' });

function tables(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]).sort();
}

describe('SqliteStore configuration', () => {
  it('rejects bad options with ConfigError before opening any file', () => {
    const filename = freshFile();
    const prefix = 'app';
    expect(() => new SqliteStore({ filename, prefix, table: 'bad-name' })).toThrow(configError);
    expect(() => new SqliteStore({ filename, prefix, table: 'a.b.c' })).toThrow(configError);
    expect(() => new SqliteStore({ filename, prefix: 'nul\0' })).toThrow(configError);
    expect(() => new SqliteStore({ filename, prefix: '' })).toThrow(configError);
    expect(() => new SqliteStore({ filename, prefix, synchronous: 'OFF' as never })).toThrow(configError);
    expect(() => new SqliteStore({ filename, prefix, journalMode: 'MEMORY' as never })).toThrow(configError);
    expect(() => new SqliteStore({ filename, prefix, busyTimeout: -1 })).toThrow(configError);
    expect(() => new SqliteStore({ filename, prefix, busyTimeout: 'soon' as never })).toThrow(configError);
    expect(() => new SqliteStore({ filename, prefix, maxValueBytes: 0 })).toThrow(configError);
    expect(() => new SqliteStore({ filename, prefix, pruneInterval: 'often' as never })).toThrow(configError);
    expect(existsSync(filename)).toBe(false);
  });

  it('a file needs an explicit prefix (others may open it); :memory: keeps the default', async () => {
    const filename = freshFile();
    expect(() => new SqliteStore({ filename })).toThrow(
      expect.objectContaining({ code: 'CACHE_INVALID_CONFIG', message: expect.stringMatching(/prefix/) }),
    );
    const onDisk = new Database(freshFile());
    expect(() => new SqliteStore({ database: onDisk })).toThrow(configError);
    onDisk.close();
    expect(existsSync(filename)).toBe(false);
    const memory = new SqliteStore({ filename: ':memory:' });
    expect(memory.prefix).toBe('app');
    await memory.close();
    const injectedMemory = new Database(':memory:');
    expect(new SqliteStore({ database: injectedMemory }).prefix).toBe('app');
    injectedMemory.close();
  });

  it('renamed options are refused with ConfigError naming the new one', () => {
    const filename = freshFile();
    expect(() => new SqliteStore({ filename, prefix: 'p', onPruneError: () => {} } as never)).toThrow(
      expect.objectContaining({
        code: 'CACHE_INVALID_CONFIG',
        message: expect.stringMatching(/onBackgroundError/),
      }),
    );
    expect(existsSync(filename)).toBe(false);
  });

  it('needs exactly one of filename and database, and an open better-sqlite3 database', () => {
    const db = new Database(':memory:');
    expect(() => new SqliteStore({} as never)).toThrow(configError);
    expect(() => new SqliteStore({ filename: ':memory:', database: db } as never)).toThrow(configError);
    expect(() => new SqliteStore({ database: {} as never })).toThrow(configError);
    db.close();
    expect(() => new SqliteStore({ database: db })).toThrow(configError);
  });
});

describe('SqliteStore database ownership and pragmas', () => {
  it('opens a file in WAL mode with synchronous NORMAL and a 5 s busy timeout, and closes it', async () => {
    const store = new SqliteStore({ filename: freshFile(), prefix: 'app' });
    const db = store.database;
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5_000);
    expect(store.capabilities).toMatchObject({ shared: true, durable: true, ttlResolutionMs: 1 });
    await store.close();
    expect(db.open).toBe(false);
    await expect(store.close()).resolves.toBeUndefined();
  });

  it('honours synchronous FULL, another journal mode and busyTimeout (a Duration)', async () => {
    const store = new SqliteStore({
      filename: freshFile(),
      prefix: 'app',
      synchronous: 'FULL',
      journalMode: 'DELETE',
      busyTimeout: '250ms',
    });
    expect(store.database.pragma('synchronous', { simple: true })).toBe(2); // FULL
    expect(store.database.pragma('journal_mode', { simple: true })).toBe('delete');
    expect(store.database.pragma('busy_timeout', { simple: true })).toBe(250);
    await store.close();
  });

  it(':memory: is neither shared nor durable', async () => {
    const store = new SqliteStore({ filename: ':memory:' });
    expect(store.capabilities).toMatchObject({ shared: false, durable: false });
    await store.close();
  });

  it('never closes nor reconfigures an injected database', async () => {
    const filename = freshFile();
    const db = new Database(filename);
    const store = new SqliteStore({ database: db, prefix: 'injected' });
    await store.set('k', text('v'), LONG_TTL);
    await store.close();
    expect(db.open).toBe(true);
    expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
    expect(
      decode(
        db.prepare('SELECT value FROM cache_entries WHERE cache_key = ?').pluck().get('k') as Uint8Array,
      ),
    ).toBe('v');
    await expect(store.get('k')).rejects.toMatchObject({ code: 'CACHE_STORE_CLOSED' });
    db.close();
  });

  it('entries and counters survive closing and reopening the file', async () => {
    const filename = freshFile();
    const first = new SqliteStore({ filename, prefix: 'p' });
    await first.set('k', text('persisted'), LONG_TTL);
    await first.increment('n', 41, NO_EXPIRY);
    await first.close();
    const second = new SqliteStore({ filename, prefix: 'p' });
    expect(decode(await second.get('k'))).toBe('persisted');
    expect(await second.increment('n', 1, NO_EXPIRY)).toBe(42);
    await second.close();
  });
});

describe('SqliteStore table handling', () => {
  it('creates nothing until first use, then a WITHOUT ROWID table and no other index', async () => {
    const store = new SqliteStore({ filename: ':memory:', table: 'lazy_table' });
    expect(tables(store.database)).toEqual([]);
    await store.get('k');
    expect(tables(store.database)).toEqual(['lazy_table']);
    const sql = store.database
      .prepare("SELECT sql FROM sqlite_master WHERE name = 'lazy_table'")
      .pluck()
      .get();
    expect(sql).toMatch(/WITHOUT ROWID$/);
    // Only the primary key's own index (WITHOUT ROWID tables list none in sqlite_master).
    const indexes = store.database
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index'")
      .pluck()
      .all();
    expect(indexes).toEqual([]);
    await store.close();
  });

  it('a table of the earlier layout (rowid, expiry index) keeps working; its index is dropped', async () => {
    const db = new Database(':memory:');
    db.exec(
      'CREATE TABLE "cache_entries" ("prefix" TEXT NOT NULL, "cache_key" TEXT NOT NULL, "value" BLOB NOT NULL, ' +
        '"expires_at" INTEGER NOT NULL DEFAULT 0, PRIMARY KEY ("prefix", "cache_key"));' +
        'CREATE INDEX "cache_entries_expires_at_idx" ON "cache_entries" ("expires_at");' +
        "INSERT INTO \"cache_entries\" VALUES ('app', 'old', x'6f6c64', 0), ('app', 'gone', x'00', 1);",
    );
    const store = new SqliteStore({ database: db, prefix: 'app' });
    expect(decode(await store.get('old'))).toBe('old');
    const index = "SELECT count(*) FROM sqlite_master WHERE name = 'cache_entries_expires_at_idx'";
    expect(db.prepare(index).pluck().get()).toBe(0);
    await store.set('new', text('new'), LONG_TTL);
    expect(await store.increment('n', 2, LONG_TTL)).toBe(2);
    expect(await store.prune()).toBe(1);
    expect((await store.getMany(['old', 'new', 'gone'])).map(decode)).toEqual(['old', 'new', undefined]);
    expect(
      db.prepare('SELECT sql FROM sqlite_master WHERE name = ?').pluck().get('cache_entries'),
    ).not.toMatch(/WITHOUT ROWID/);
    db.close();
  });

  it('createTable: false never creates it; using a missing table is a StoreError, retried later', async () => {
    const db = new Database(':memory:');
    const store = new SqliteStore({ database: db, table: 'made_elsewhere', createTable: false });
    await expect(store.get('k')).rejects.toMatchObject({
      code: 'CACHE_STORE_ERROR',
      driver: 'sqlite',
      operation: 'get',
      cause: expect.objectContaining({ message: expect.stringMatching(/no such table/) }),
    });
    expect(tables(db)).toEqual([]);
    // Created by someone else afterwards: the store picks it up on its next call.
    await new SqliteStore({ database: db, table: 'made_elsewhere', prefix: 'other' }).get('x');
    await store.set('k', text('v'), LONG_TTL);
    expect(decode(await store.get('k'))).toBe('v');
    db.close();
  });

  it('works with a schema-qualified table in an attached database', async () => {
    const db = new Database(':memory:');
    db.prepare('ATTACH DATABASE ? AS aux').run(freshFile());
    const a = new SqliteStore({ database: db, table: 'aux.cache', prefix: 'a' });
    const b = new SqliteStore({ database: db, table: 'aux.cache', prefix: 'b' });
    await a.set('k', text('A'), LONG_TTL);
    await b.set('k', text('B'), LONG_TTL);
    expect(await a.increment('n', 2, LONG_TTL)).toBe(2);
    await a.flush();
    expect(await a.get('k')).toBeUndefined();
    expect(decode(await b.get('k'))).toBe('B');
    expect(db.prepare('SELECT count(*) FROM aux.cache').pluck().get()).toBe(1);
    expect(tables(db)).toEqual([]); // nothing in main
    db.close();
  });
});

describe('SqliteStore semantics', () => {
  it('returns plain Uint8Array values (not Buffer) that own their memory', async () => {
    const store = new SqliteStore({ filename: ':memory:' });
    await store.set('k', text('value'), LONG_TTL);
    const value = await store.get('k');
    expect(value?.constructor).toBe(Uint8Array);
    const [a, b] = await store.getMany(['k', 'k']);
    expect(a?.constructor).toBe(Uint8Array);
    (a as Uint8Array).fill(0);
    expect(decode(b)).toBe('value');
    expect(decode(await store.get('k'))).toBe('value');
    await store.close();
  });

  it('a value another tool stored as TEXT reads as its UTF-8 bytes on every path', async () => {
    const db = new Database(':memory:');
    const sync = new SqliteStore({ database: db, prefix: 'app' });
    // The same table through the dialect-neutral async store (transactional increment).
    const async = new SqlStore({ dialect: sqliteDialect, executor: betterSqliteExecutor(db), prefix: 'app' });
    await sync.get('init');
    const insert = db.prepare(
      "INSERT OR REPLACE INTO cache_entries (prefix, cache_key, value, expires_at) VALUES ('app', ?, ?, 0)",
    );
    insert.run('text', 'héllo');
    insert.run('count', '41');
    for (const store of [sync, async]) {
      expect(decode(await store.get('text'))).toBe('héllo');
      expect((await store.getMany(['init', 'text'])).map(decode)).toEqual([undefined, 'héllo']);
    }
    expect(await sync.increment('count', 1, 0)).toBe(42);
    insert.run('count', '41');
    expect(await async.increment('count', 1, 0)).toBe(42);
    // Compare-and-delete compares the text's bytes.
    expect(await sync.deleteIfEquals('text', text('hello'))).toBe(false);
    expect(await sync.deleteIfEquals('text', text('héllo'))).toBe(true);
    expect(await sync.get('text')).toBeUndefined();
    await sync.close();
    await async.close();
    db.close();
  });

  it.each([
    ['an INTEGER', 42],
    ['a REAL', 2.5],
  ])('a value another tool stored as %s is a CorruptPayloadError on every read path', async (what, raw) => {
    const db = new Database(':memory:');
    const sync = new SqliteStore({ database: db, prefix: 'app' });
    // The same table through the dialect-neutral async store (transactional increment).
    const async = new SqlStore({ dialect: sqliteDialect, executor: betterSqliteExecutor(db), prefix: 'app' });
    await sync.get('init');
    db.prepare(
      "INSERT INTO cache_entries (prefix, cache_key, value, expires_at) VALUES ('app', 'foreign', ?, 0)",
    ).run(raw);
    const corrupt = { code: 'CACHE_CORRUPT_PAYLOAD', message: expect.stringContaining(what) };
    for (const store of [sync, async]) {
      await expect(store.get('foreign')).rejects.toMatchObject(corrupt);
      await expect(store.getMany(['init', 'foreign'])).rejects.toMatchObject(corrupt);
      await expect(store.increment('foreign', 1, 0)).rejects.toMatchObject(corrupt);
    }
    await expect(sync.deleteIfEquals('foreign', text(String(raw)))).rejects.toMatchObject(corrupt);
    // Nothing was changed by the refusals.
    expect(db.prepare("SELECT value FROM cache_entries WHERE cache_key = 'foreign'").pluck().get()).toBe(raw);
    expect(await sync.deleteIfEquals('init', text('x'))).toBe(false);
    await sync.close();
    await async.close();
    db.close();
  });

  it('increment refuses non-numeric and out-of-range values, keeping them', async () => {
    const store = new SqliteStore({ filename: ':memory:' });
    for (const value of ['abc', ' 1', '1.5', '12345678901234567']) {
      await store.set('v', text(value), LONG_TTL);
      await expect(store.increment('v', 1, LONG_TTL)).rejects.toMatchObject({ code: 'CACHE_NOT_NUMERIC' });
      expect(decode(await store.get('v'))).toBe(value);
    }
    await store.set('bytes', new Uint8Array([0xff, 0x31]), LONG_TTL);
    await expect(store.increment('bytes', 1, LONG_TTL)).rejects.toMatchObject({ code: 'CACHE_NOT_NUMERIC' });
    await store.set('edge', text(String(Number.MAX_SAFE_INTEGER)), LONG_TTL);
    await expect(store.increment('edge', 1, LONG_TTL)).rejects.toThrow(/safe integer range/);
    expect(decode(await store.get('edge'))).toBe(String(Number.MAX_SAFE_INTEGER));
    await expect(store.increment('edge', Number.NaN, LONG_TTL)).rejects.toMatchObject({
      code: 'CACHE_INVALID_VALUE',
    });
    await store.close();
  });

  it('prune removes at most `limit` expired rows and never a live one', async () => {
    const store = new SqliteStore({ filename: ':memory:' });
    await store.setMany(
      Array.from({ length: 25 }, (_, i) => ({ key: `old-${i}`, value: text('x'), ttl: 1 })),
    );
    await store.set('live', text('live'), LONG_TTL);
    await store.set('forever', text('forever'), NO_EXPIRY);
    await expect.poll(() => store.get('old-24')).toBeUndefined();
    const rows = () => store.database.prepare('SELECT count(*) FROM cache_entries').pluck().get();
    expect(rows()).toBe(27);
    expect(await store.prune({ limit: 10 })).toBe(10);
    expect(rows()).toBe(17);
    expect(await store.prune()).toBe(15);
    expect(await store.prune()).toBe(0);
    expect((await store.getMany(['live', 'forever'])).map(decode)).toEqual(['live', 'forever']);
    await expect(store.prune({ limit: 1.5 })).rejects.toMatchObject({ code: 'CACHE_INVALID_CONFIG' });
    await store.close();
  });

  it('prune examines a bounded window per call and still reaches every expired row', async () => {
    const store = new SqliteStore({ filename: ':memory:' });
    // 200 live rows first in key order, then 30 expired ones.
    await store.setMany(
      Array.from({ length: 200 }, (_, i) => ({ key: `a${i}`, value: text('x'), ttl: LONG_TTL })),
    );
    await store.setMany(Array.from({ length: 30 }, (_, i) => ({ key: `z${i}`, value: text('x'), ttl: 1 })));
    await expect.poll(() => store.get('z0')).toBeUndefined();
    // limit 10 → at most 40 rows examined: the first calls walk live rows only.
    const counts: number[] = [];
    for (let call = 0; call < 8; call++) counts.push(await store.prune({ limit: 10 }));
    expect(counts.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(30);
    expect(Math.max(...counts)).toBeLessThanOrEqual(10);
    expect(store.database.prepare('SELECT count(*) FROM cache_entries').pluck().get()).toBe(200);
    await store.close();
  });

  it('the periodic prune runs on its own and stops with close', async () => {
    const errors: unknown[] = [];
    const store = new SqliteStore({
      filename: ':memory:',
      pruneInterval: '40ms',
      onBackgroundError: (e) => errors.push(e),
    });
    await store.setMany(Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: text('x'), ttl: 1 })));
    const rows = () => store.database.prepare('SELECT count(*) FROM cache_entries').pluck().get();
    await expect.poll(rows, { timeout: 3_000 }).toBe(0);
    await store.close();
    expect(errors).toEqual([]);
  });

  it('getMany and deleteMany handle more than 512 distinct keys', async () => {
    const store = new SqliteStore({ filename: ':memory:' });
    const keys = Array.from({ length: 1_100 }, (_, i) => `k${i}`);
    await store.setMany(keys.map((key, i) => ({ key, value: text(String(i)), ttl: LONG_TTL })));
    const values = await store.getMany([...keys, 'missing', 'k7']);
    expect(values.map(decode)).toEqual([...keys.map((_, i) => String(i)), undefined, '7']);
    await store.deleteMany(keys.slice(0, 1_000));
    expect((await store.getMany(['k0', 'k999', 'k1000'])).map(decode)).toEqual([
      undefined,
      undefined,
      '1000',
    ]);
    await store.close();
  });

  it('rejects oversized values, bad TTLs and aborted calls before touching the database', async () => {
    const store = new SqliteStore({ filename: ':memory:', maxValueBytes: 4 });
    expect(store.capabilities.maxValueBytes).toBe(4);
    await expect(store.set('k', new Uint8Array(5), 0)).rejects.toMatchObject({
      code: 'CACHE_VALUE_TOO_LARGE',
    });
    await expect(store.add('k', new Uint8Array(5), 0)).rejects.toMatchObject({
      code: 'CACHE_VALUE_TOO_LARGE',
    });
    await expect(store.set('k', new Uint8Array(1), -5)).rejects.toMatchObject({ code: 'CACHE_INVALID_TTL' });
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    await expect(store.get('k', { signal: controller.signal })).rejects.toThrow('cancelled');
    // None of these created the table: nothing reached SQLite.
    expect(tables(store.database)).toEqual([]);
    await store.close();
  });
});
