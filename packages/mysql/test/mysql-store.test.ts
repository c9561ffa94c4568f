import { utf8 } from '@cache/core';
import { createPool as createCallbackPool } from 'mysql2';
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_QUERY_TIMEOUT_MS,
  MYSQL_POOL_DEFAULTS,
  MysqlExecutor,
  MysqlStore,
  type MysqlStoreOptions,
  mysqlDialect,
  StatementRegistry,
} from '../src/index.js';
import { adminPool, dropTables, MYSQL_URL, uniqueTable } from './support/mysql.js';

const LONG_TTL = 3_600_000;
const admin = adminPool();
const tables = new Set<string>();
const stores: MysqlStore[] = [];
const pools: { end(): Promise<void> | void }[] = [];

/** A store on a fresh table, closed after the file. */
function storeOn(options: Partial<MysqlStoreOptions> = {}): MysqlStore {
  const table = options.table ?? uniqueTable('focus');
  tables.add(table);
  const store = new MysqlStore({ uri: MYSQL_URL, prefix: 'focus', ...options, table });
  stores.push(store);
  return store;
}

function ownPool(options: mysql.PoolOptions = {}): mysql.Pool {
  const pool = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 2, ...options });
  pools.push(pool);
  return pool;
}

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close().catch(() => undefined)));
  await dropTables(admin, tables);
  await Promise.all(pools.map((pool) => pool.end()));
  await admin.end();
});

const text = (value: string): Uint8Array => utf8(value);
const decode = (value: Uint8Array | undefined): string | undefined =>
  value === undefined ? undefined : new TextDecoder().decode(value);

async function errorOf(promise: Promise<unknown>): Promise<Error & { code?: string; cause?: unknown }> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error('expected a rejection');
  return outcome;
}

/** Server-side ids of the connections `pool` opens from now on. */
function trackConnections(pool: mysql.Pool): Set<number> {
  const ids = new Set<number>();
  pool.on('connection', (connection) => ids.add(connection.threadId));
  return ids;
}

async function globalPreparedCount(): Promise<number> {
  const [rows] = await admin.query<mysql.RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Prepared_stmt_count'");
  return Number(rows[0]?.Value);
}

describe('MysqlStore: pool ownership', () => {
  it('creates a pool from uri with the documented defaults and ends it on close', async () => {
    const store = storeOn({ poolOptions: { connectionLimit: 3 } });
    expect(store.ownsPool).toBe(true);
    const config = (store.pool.pool as unknown as { config: Record<string, unknown> }).config;
    expect(config.connectionLimit).toBe(3);
    expect(config.idleTimeout).toBe(MYSQL_POOL_DEFAULTS.idleTimeout);
    expect((config.connectionConfig as Record<string, unknown>).connectTimeout).toBe(
      MYSQL_POOL_DEFAULTS.connectTimeout,
    );
    await store.set('k', text('v'), LONG_TTL);
    expect(decode(await store.get('k'))).toBe('v');
    await store.close();
    await expect(store.pool.query('SELECT 1')).rejects.toThrow(/closed/i);
    await expect(store.get('k')).rejects.toMatchObject({ code: 'CACHE_STORE_CLOSED' });
  });

  it('never ends an injected promise pool', async () => {
    const pool = ownPool();
    const store = storeOn({ pool, uri: undefined });
    expect(store.ownsPool).toBe(false);
    expect(store.pool).toBe(pool);
    await store.set('k', text('v'), LONG_TTL);
    await store.close();
    const [rows] = await pool.query<mysql.RowDataPacket[]>('SELECT 1 AS one');
    expect(rows[0]?.one).toBe(1);
  });

  it('accepts a callback pool from mysql2 (through its promise wrapper) and never ends it', async () => {
    const core = createCallbackPool({ uri: MYSQL_URL, connectionLimit: 2 });
    pools.push({ end: () => new Promise<void>((resolve) => core.end(() => resolve())) });
    const store = storeOn({ pool: core, uri: undefined });
    await store.set('k', text('callback'), LONG_TTL);
    expect(decode(await store.get('k'))).toBe('callback');
    await store.close();
    const one = await new Promise((resolve, reject) =>
      core.query('SELECT 1 AS one', (error, rows) => (error ? reject(error) : resolve(rows))),
    );
    expect(one).toEqual([{ one: 1 }]);
  });

  it('rejects conflicting or invalid options with ConfigError before connecting', () => {
    const pool = ownPool();
    const uri = MYSQL_URL;
    const prefix = 'p';
    const cases: [string, () => unknown, RegExp][] = [
      ['no prefix', () => new MysqlStore({ uri }), /needs a prefix/],
      ['prefix over 255 bytes', () => new MysqlStore({ uri, prefix: 'x'.repeat(256) }), /255/],
      ['pool + uri', () => new MysqlStore({ pool, uri, prefix }), /either/],
      [
        'pool + poolOptions',
        () => new MysqlStore({ pool, poolOptions: { connectionLimit: 1 }, prefix }),
        /either/,
      ],
      ['not a pool', () => new MysqlStore({ pool: {} as mysql.Pool, prefix }), /mysql2 pool/],
      ['bad uri', () => new MysqlStore({ uri: 'not a url', prefix }), /uri/],
      ['bad table', () => new MysqlStore({ uri, prefix, table: 'x`; DROP TABLE y' }), /identifier/],
      ['negative timeout', () => new MysqlStore({ uri, prefix, timeout: -1 }), /timeout/],
      ['unparsable timeout', () => new MysqlStore({ uri, prefix, timeout: 'soon' as never }), /timeout/],
      [
        'bad maintenance timeout',
        () => new MysqlStore({ uri, prefix, maintenanceTimeout: Number.NaN }),
        /maint/,
      ],
      ['bad value cap', () => new MysqlStore({ uri, prefix, maxValueBytes: 0 }), /maxValueBytes/],
    ];
    for (const [old, now] of [
      ['queryTimeoutMs', 'timeout'],
      ['maintenanceTimeoutMs', 'maintenanceTimeout'],
      ['onPruneError', 'onBackgroundError'],
    ] as const) {
      cases.push([old, () => new MysqlStore({ uri, prefix, [old]: 1_000 } as never), new RegExp(`"${now}"`)]);
    }
    for (const [label, build, message] of cases) {
      expect(build, label).toThrow(
        expect.objectContaining({ code: 'CACHE_INVALID_CONFIG', message: expect.stringMatching(message) }),
      );
    }
  });

  it('close waits for the calls queued for a connection, then ends its own pool; later calls fail at once', async () => {
    // Two connections for 50 calls: most wait in the pool's queue when close() is called.
    const store = storeOn({ poolOptions: { connectionLimit: 2 } });
    await store.set('seed', text('0'), LONG_TTL);
    const outcomes: string[] = [];
    let applied = 0;
    const calls = Array.from({ length: 50 }, (_, i) =>
      (i % 2 === 0 ? store.increment('seed', 1, LONG_TTL).then(() => applied++) : store.get('seed')).then(
        () => outcomes.push('ok'),
        (error: { code?: string }) => outcomes.push(String(error.code)),
      ),
    );
    await store.close();
    expect(outcomes).toHaveLength(50);
    expect(outcomes.filter((outcome) => outcome !== 'ok' && outcome !== 'CACHE_STORE_CLOSED')).toEqual([]);
    await expect(store.pool.query('SELECT 1')).rejects.toThrow(/closed/i);
    await Promise.all(calls);
    const started = performance.now();
    await expect(store.get('seed')).rejects.toMatchObject({ code: 'CACHE_STORE_CLOSED' });
    expect(performance.now() - started).toBeLessThan(50);
    // Every increment reported as done was applied, and no other.
    const check = storeOn({ table: store.statements.names.tableName.replaceAll('`', '') });
    expect(decode(await check.get('seed'))).toBe(String(applied));
  });

  it('maxValueBytes sets the cap (above the default too) and is checked before any SQL', async () => {
    expect(storeOn({ maxValueBytes: 1_024 }).capabilities.maxValueBytes).toBe(1_024);
    expect(storeOn({ maxValueBytes: 32 * 1024 * 1024 }).capabilities.maxValueBytes).toBe(32 * 1024 * 1024);
    const store = storeOn({ maxValueBytes: 1_024 });
    expect(storeOn().capabilities.maxValueBytes).toBe(mysqlDialect.maxValueBytes);
    await expect(store.set('k', new Uint8Array(1_025), LONG_TTL)).rejects.toMatchObject({
      code: 'CACHE_VALUE_TOO_LARGE',
    });
    const [rows] = await admin.query<mysql.RowDataPacket[]>('SHOW TABLES LIKE ?', [
      store.statements.names.tableName.replaceAll('`', ''),
    ]);
    expect(rows).toEqual([]);
  });
});

describe('MysqlStore: statements', () => {
  it('keeps only the fixed statements prepared: one-off batch texts are closed after use', async () => {
    const pool = ownPool({ connectionLimit: 1 });
    const store = storeOn({ pool, uri: undefined });
    await store.set('warm', text('x'), LONG_TTL);
    await store.get('warm');
    const before = await globalPreparedCount();
    // 40 distinct batch sizes: 40 distinct texts that would stay prepared if leaked.
    for (let size = 2; size < 42; size++) {
      await store.setMany(
        Array.from({ length: size }, (_, i) => ({ key: `k${i}`, value: text('v'), ttl: LONG_TTL })),
      );
    }
    await store.get('warm');
    expect(await globalPreparedCount()).toBeLessThan(before + 20);
    expect(decode(await store.get('k40'))).toBe('v');
  });

  it('writes more than one batch (over 500 entries) in one transaction', async () => {
    const store = storeOn();
    const entries = Array.from({ length: 1_203 }, (_, i) => ({
      key: `k${i}`,
      value: text(`v${i}`),
      ttl: LONG_TTL,
    }));
    await store.setMany(entries);
    const values = await store.getMany(entries.map((entry) => entry.key));
    expect(values.map(decode)).toEqual(entries.map((_, i) => `v${i}`));
  });

  it('a failing transaction rolls back and returns its connection to the pool', async () => {
    const pool = ownPool({ connectionLimit: 1 });
    const ids = trackConnections(pool);
    const store = storeOn({ pool, uri: undefined });
    await store.set('seed', text('seed'), LONG_TTL);
    const registry = new StatementRegistry();
    registry.register(store.statements);
    const executor = new MysqlExecutor(pool, registry, {
      queryTimeoutMs: 2_000,
      maintenanceTimeoutMs: 2_000,
    });
    const failure = new Error('work failed');
    await expect(
      executor.transaction(async (tx) => {
        await tx.execute(store.statements.flush, [store.prefix]);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(decode(await store.get('seed'))).toBe('seed');
    expect(ids.size).toBe(1);
  });
});

describe('MysqlStore: failures', () => {
  it('a statement stuck behind a row lock fails after `timeout`; its connection is destroyed', async () => {
    expect(DEFAULT_QUERY_TIMEOUT_MS).toBe(5_000);
    const pool = ownPool({ connectionLimit: 1 });
    const ids = trackConnections(pool);
    const store = storeOn({ pool, uri: undefined, timeout: '300ms' });
    await store.set('locked', text('v'), LONG_TTL);
    const locker = await admin.getConnection();
    try {
      await locker.beginTransaction();
      await locker.query(`SELECT 1 FROM ${store.statements.names.table} FOR UPDATE`);
      const started = performance.now();
      const error = await errorOf(store.set('locked', text('w'), LONG_TTL));
      const elapsed = performance.now() - started;
      expect(error).toMatchObject({ code: 'CACHE_STORE_ERROR', operation: 'set' });
      expect(error.cause).toMatchObject({ name: 'MysqlTimeoutError', code: 'ETIMEDOUT' });
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(elapsed).toBeLessThan(2_000);
    } finally {
      await locker.rollback();
      locker.release();
    }
    // A fresh connection serves the next call. (The abandoned upsert may still commit
    // once the lock is released: a timeout says "no answer in time", not "not applied".)
    expect(['v', 'w']).toContain(decode(await store.get('locked')));
    expect(ids.size).toBe(2);
  });

  it('the wait for a free connection is bounded by `timeout` too', async () => {
    const pool = ownPool({ connectionLimit: 1 });
    const store = storeOn({ pool, uri: undefined, timeout: 200 });
    await store.set('k', text('v'), LONG_TTL);
    const held = await pool.getConnection();
    try {
      const error = await errorOf(store.get('k'));
      expect(error).toMatchObject({ code: 'CACHE_STORE_ERROR', operation: 'get' });
      expect(String((error.cause as Error).message)).toMatch(/waiting for a pooled mysql connection/);
    } finally {
      held.release();
    }
    expect(decode(await store.get('k'))).toBe('v');
  });

  it('an unreachable server fails fast with StoreError', async () => {
    const store = storeOn({ uri: 'mysql://root@127.0.0.1:1/test' });
    const started = performance.now();
    const error = await errorOf(store.get('k'));
    expect(error).toMatchObject({ code: 'CACHE_STORE_ERROR', driver: 'mysql', operation: 'get' });
    expect((error.cause as { code?: string }).code).toBe('ECONNREFUSED');
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it('killed idle connections never crash the process and are replaced', async () => {
    const pool = ownPool({ connectionLimit: 3 });
    const ids = trackConnections(pool);
    const store = storeOn({ pool, uri: undefined });
    await Promise.all([store.set('a', text('1'), LONG_TTL), store.get('a'), store.get('b')]);
    const killed = [...ids];
    expect(killed.length).toBeGreaterThan(0);
    for (const id of killed) await admin.query('KILL CONNECTION ?', [id]);
    // Calls may fail while the pool still hands out a killed connection; they
    // must fail with StoreError, and the pool must heal by itself.
    await expect
      .poll(async () => {
        try {
          return decode(await store.get('a'));
        } catch (error) {
          expect(error).toMatchObject({ code: 'CACHE_STORE_ERROR' });
          return undefined;
        }
      })
      .toBe('1');
    expect([...ids].some((id) => !killed.includes(id))).toBe(true);
  });
});
