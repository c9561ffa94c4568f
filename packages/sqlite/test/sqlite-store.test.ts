import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_EXPIRY, utf8 } from '@cache/core';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/index.js';

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
    expect(() => new SqliteStore({ filename, table: 'bad-name' })).toThrow(configError);
    expect(() => new SqliteStore({ filename, table: 'a.b.c' })).toThrow(configError);
    expect(() => new SqliteStore({ filename, prefix: 'nul\0' })).toThrow(configError);
    expect(() => new SqliteStore({ filename, synchronous: 'OFF' as never })).toThrow(configError);
    expect(() => new SqliteStore({ filename, journalMode: 'MEMORY' as never })).toThrow(configError);
    expect(() => new SqliteStore({ filename, busyTimeout: -1 })).toThrow(configError);
    expect(() => new SqliteStore({ filename, maxValueBytes: 0 })).toThrow(configError);
    expect(() => new SqliteStore({ filename, pruneInterval: 'often' as never })).toThrow(configError);
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
    const store = new SqliteStore({ filename: freshFile() });
    const db = store.database;
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5_000);
    expect(store.capabilities).toMatchObject({ shared: true, durable: true, ttlResolutionMs: 1 });
    await store.close();
    expect(db.open).toBe(false);
    await expect(store.close()).resolves.toBeUndefined();
  });

  it('honours synchronous FULL, another journal mode and busyTimeout', async () => {
    const store = new SqliteStore({
      filename: freshFile(),
      synchronous: 'FULL',
      journalMode: 'DELETE',
      busyTimeout: 250,
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
  it('creates nothing until first use, then the table and its expiry index', async () => {
    const store = new SqliteStore({ filename: ':memory:', table: 'lazy_table' });
    expect(tables(store.database)).toEqual([]);
    await store.get('k');
    expect(tables(store.database)).toEqual(['lazy_table']);
    const indexes = store.database
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index'")
      .pluck()
      .all();
    expect(indexes).toContain('lazy_table_expires_at_idx');
    await store.close();
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

  it('reads a value another tool stored as TEXT as its UTF-8 bytes', async () => {
    const store = new SqliteStore({ filename: ':memory:' });
    await store.get('init');
    store.database
      .prepare(
        "INSERT INTO cache_entries (prefix, cache_key, value, expires_at) VALUES ('app', 'foreign', ?, 0)",
      )
      .run('héllo');
    expect(decode(await store.get('foreign'))).toBe('héllo');
    expect(await store.increment('foreign', 1, 0).catch((e: unknown) => e)).toMatchObject({
      code: 'CACHE_NOT_NUMERIC',
    });
    await store.close();
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

  it('the periodic prune runs on its own and stops with close', async () => {
    const errors: unknown[] = [];
    const store = new SqliteStore({
      filename: ':memory:',
      pruneInterval: '40ms',
      onPruneError: (e) => errors.push(e),
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
