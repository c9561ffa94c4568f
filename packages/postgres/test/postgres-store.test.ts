import { randomUUID } from 'node:crypto';
import { utf8 } from '@cache/core';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_QUERY_TIMEOUT_MS,
  PgExecutor,
  POSTGRES_POOL_DEFAULTS,
  PostgresStore,
  type PostgresStoreOptions,
  StatementRegistry,
} from '../src/index.js';
import { adminPool, dropTables, POSTGRES_URL, uniqueTable } from './support/postgres.js';

const LONG_TTL = 3_600_000;
const admin = adminPool();
const tables = new Set<string>();
const stores: PostgresStore[] = [];
const pools: pg.Pool[] = [];

/** A store on a fresh table, closed after the file. */
function storeOn(options: Partial<PostgresStoreOptions> = {}): PostgresStore {
  const table = options.table ?? uniqueTable('focus');
  tables.add(table);
  const store = new PostgresStore({ connectionString: POSTGRES_URL, prefix: 'focus', ...options, table });
  stores.push(store);
  return store;
}

function ownPool(config: pg.PoolConfig = {}): pg.Pool {
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2, ...config });
  pools.push(pool);
  return pool;
}

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close().catch(() => undefined)));
  await dropTables(admin, tables);
  await Promise.all(pools.map((pool) => (pool.ended ? undefined : pool.end())));
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

describe('PostgresStore: pool ownership', () => {
  it('creates a pool from connectionString with the documented defaults and ends it on close', async () => {
    const store = storeOn({ poolOptions: { max: 3 } });
    expect(store.ownsPool).toBe(true);
    expect(store.pool.options).toMatchObject({
      ...POSTGRES_POOL_DEFAULTS,
      max: 3,
      connectionString: POSTGRES_URL,
    });
    // Idle-client failures are heard even without onBackgroundError (unheard, they crash the process).
    expect(store.pool.listenerCount('error')).toBe(1);
    await store.set('k', text('v'), LONG_TTL);
    expect(decode(await store.get('k'))).toBe('v');
    await store.close();
    expect(store.pool.ended).toBe(true);
    await expect(store.get('k')).rejects.toMatchObject({ code: 'CACHE_STORE_CLOSED' });
  });

  it('never ends an injected pool, and leaves its error listeners as it found them', async () => {
    const pool = ownPool();
    const onBackgroundError = (): void => {};
    const store = storeOn({ pool, connectionString: undefined, onBackgroundError });
    expect(store.ownsPool).toBe(false);
    expect(pool.listenerCount('error')).toBe(1);
    await store.set('k', text('v'), LONG_TTL);
    await store.close();
    expect(pool.ended).toBe(false);
    expect(pool.listenerCount('error')).toBe(0);
    expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    // Without onBackgroundError the store does not touch the caller's pool events.
    const quiet = storeOn({ pool, connectionString: undefined });
    await quiet.get('k');
    expect(pool.listenerCount('error')).toBe(0);
  });

  it('rejects conflicting or invalid options with ConfigError before connecting', () => {
    const pool = ownPool();
    const url = POSTGRES_URL;
    const prefix = 'p';
    const cases: [string, () => unknown, RegExp][] = [
      ['no prefix', () => new PostgresStore({ connectionString: url }), /needs a prefix/],
      ['empty prefix', () => new PostgresStore({ connectionString: url, prefix: '' }), /prefix/],
      ['pool + connectionString', () => new PostgresStore({ pool, connectionString: url, prefix }), /either/],
      ['pool + poolOptions', () => new PostgresStore({ pool, poolOptions: { max: 1 }, prefix }), /either/],
      ['not a pool', () => new PostgresStore({ pool: {} as pg.Pool, prefix }), /pg Pool/],
      [
        'empty connectionString',
        () => new PostgresStore({ connectionString: '', prefix }),
        /connectionString/,
      ],
      [
        'bad table',
        () => new PostgresStore({ connectionString: url, prefix, table: 'x; DROP' }),
        /identifier/,
      ],
      [
        'negative timeout',
        () => new PostgresStore({ connectionString: url, prefix, timeout: -1 }),
        /timeout/,
      ],
      ['unparsable timeout', () => new PostgresStore({ prefix, timeout: 'soon' as never }), /timeout/],
      ['timeout over 24 days', () => new PostgresStore({ prefix, timeout: '30d' }), /timeout/],
      [
        'bad maintenanceTimeout',
        () => new PostgresStore({ prefix, maintenanceTimeout: Number.NaN }),
        /maint/,
      ],
      ['unlogged not boolean', () => new PostgresStore({ prefix, unlogged: 'yes' as never }), /unlogged/],
      ['value cap above bytea', () => new PostgresStore({ prefix, maxValueBytes: 2 ** 31 }), /maxValueBytes/],
      [
        'onBackgroundError not a function',
        () => new PostgresStore({ prefix, onBackgroundError: 1 as never }),
        /onBackgroundError/,
      ],
    ];
    // Each old name is refused, naming its replacement (a silently ignored setting would be worse).
    for (const [old, now] of [
      ['queryTimeoutMs', 'timeout'],
      ['maintenanceTimeoutMs', 'maintenanceTimeout'],
      ['onPoolError', 'onBackgroundError'],
      ['onPruneError', 'onBackgroundError'],
    ] as const) {
      cases.push([old, () => new PostgresStore({ prefix, [old]: 1_000 } as never), new RegExp(`"${now}"`)]);
    }
    for (const [label, build, message] of cases) {
      expect(build, label).toThrow(
        expect.objectContaining({ code: 'CACHE_INVALID_CONFIG', message: expect.stringMatching(message) }),
      );
    }
  });

  it('close waits for the calls queued for a client, then ends its own pool; later calls fail at once', async () => {
    // Two connections for 50 calls: 48 wait in pg's queue when close() is called.
    const store = storeOn({ poolOptions: { max: 2 } });
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
    expect(store.pool.ended).toBe(true);
    await Promise.all(calls);
    const started = performance.now();
    await expect(store.get('seed')).rejects.toMatchObject({ code: 'CACHE_STORE_CLOSED' });
    expect(performance.now() - started).toBeLessThan(50);
    // Every increment reported as done was applied, and no other.
    const check = storeOn({ table: store.statements.names.tableName.replaceAll('"', '') });
    expect(decode(await check.get('seed'))).toBe(String(applied));
  });

  it('unlogged: true creates an UNLOGGED table and reports durable: false', async () => {
    const store = storeOn({ unlogged: true });
    expect(store.capabilities.durable).toBe(false);
    expect(storeOn().capabilities.durable).toBe(true);
    await store.set('k', text('v'), LONG_TTL);
    const table = store.statements.names.tableName.replaceAll('"', '');
    const { rows } = await admin.query('SELECT relpersistence FROM pg_class WHERE relname = $1', [table]);
    expect(rows).toEqual([{ relpersistence: 'u' }]);
  });
});

describe('PostgresStore: statements', () => {
  it('runs fixed statements as named prepared statements and one-off batch texts unnamed', async () => {
    // One connection, so pg_prepared_statements shows everything the store prepared.
    const pool = ownPool({ max: 1 });
    const store = storeOn({ pool, connectionString: undefined });
    await store.set('a', text('1'), LONG_TTL);
    await store.get('a');
    await store.getMany(['a', 'b', 'c']);
    await store.setMany([
      { key: 'x', value: text('x'), ttl: LONG_TTL },
      { key: 'y', value: text('y'), ttl: LONG_TTL },
      { key: 'z', value: text('z'), ttl: LONG_TTL },
    ]);
    const { rows } = await pool.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements');
    const prepared = rows.map((row) => row.statement);
    expect(prepared).toEqual(
      expect.arrayContaining([store.statements.set, store.statements.get, store.statements.getMany(4)]),
    );
    expect(prepared).not.toContain(store.statements.setMany(3));
    expect(prepared).toHaveLength(3);
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

  it('a failing transaction rolls back and returns its client to the pool', async () => {
    const pool = ownPool({ max: 1 });
    const store = storeOn({ pool, connectionString: undefined });
    await store.set('seed', text('seed'), LONG_TTL);
    const registry = new StatementRegistry();
    registry.register(store.statements);
    const executor = new PgExecutor(pool, registry, { queryTimeoutMs: 2_000, maintenanceTimeoutMs: 2_000 });
    const failure = new Error('work failed');
    await expect(
      executor.transaction(async (tx) => {
        await tx.execute(store.statements.flush, [store.prefix]);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(decode(await store.get('seed'))).toBe('seed');
    expect(pool.totalCount).toBe(1);
    expect(pool.idleCount).toBe(1);
  });
});

describe('PostgresStore: failures', () => {
  it('a statement stuck behind a row lock fails after `timeout` and its client is discarded', async () => {
    const pool = ownPool({ max: 1 });
    const store = storeOn({ pool, connectionString: undefined, timeout: '300ms' });
    expect(DEFAULT_QUERY_TIMEOUT_MS).toBe(5_000);
    await store.set('locked', text('v'), LONG_TTL);
    const locker = await admin.connect();
    const [pid] = (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows.map(
      (r) => r.pid,
    );
    try {
      await locker.query('BEGIN');
      await locker.query(`SELECT 1 FROM ${store.statements.names.table} FOR UPDATE`);
      const started = performance.now();
      const error = await errorOf(store.set('locked', text('w'), LONG_TTL));
      const elapsed = performance.now() - started;
      expect(error).toMatchObject({ code: 'CACHE_STORE_ERROR', operation: 'set' });
      expect(String((error.cause as Error).message)).toMatch(/timeout/i);
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(elapsed).toBeLessThan(2_000);
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
    // The client that timed out was dropped; a new one serves the next call. (The
    // abandoned upsert may still commit once the lock is released: a timeout says
    // "no answer in time", not "not applied".)
    expect(['v', 'w']).toContain(decode(await store.get('locked')));
    const [next] = (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows.map(
      (r) => r.pid,
    );
    expect(next).not.toBe(pid);
  });

  it('an unreachable server fails fast with StoreError', async () => {
    const store = storeOn({ connectionString: 'postgres://postgres@127.0.0.1:1/test' });
    const started = performance.now();
    const error = await errorOf(store.get('k'));
    expect(error).toMatchObject({ code: 'CACHE_STORE_ERROR', driver: 'postgres', operation: 'get' });
    expect((error.cause as { code?: string }).code).toBe('ECONNREFUSED');
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it('terminated idle backends are reported to onBackgroundError, never crash, and are replaced', async () => {
    const applicationName = `cache-test-${randomUUID()}`;
    const errors: Error[] = [];
    const store = storeOn({
      poolOptions: { application_name: applicationName, max: 3 },
      onBackgroundError: (error) => errors.push(error as Error),
    });
    // Three connections, all idle afterwards.
    await Promise.all([store.set('a', text('1'), LONG_TTL), store.get('a'), store.get('b')]);
    const before = await backendPids(applicationName);
    expect(before.length).toBeGreaterThan(0);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [
      applicationName,
    ]);
    await expect.poll(() => errors.length).toBe(before.length);
    expect(errors.every((error) => (error as { code?: string }).code === '57P01')).toBe(true);
    expect(store.pool.totalCount).toBe(0);
    expect(decode(await store.get('a'))).toBe('1');
    const after = await backendPids(applicationName);
    expect(after.some((pid) => before.includes(pid))).toBe(false);
  });
});

async function backendPids(applicationName: string): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
    [applicationName],
  );
  return rows.map((row) => row.pid);
}
