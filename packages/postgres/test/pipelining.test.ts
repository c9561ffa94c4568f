import { randomUUID } from 'node:crypto';
import { utf8 } from '@cache/core';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_CONNECTIONS, PostgresStore, type PostgresStoreOptions } from '../src/index.js';
import { adminPool, dropTables, POSTGRES_URL, uniqueTable } from './support/postgres.js';

const LONG_TTL = 3_600_000;
const admin = adminPool();
const tables = new Set<string>();
const stores: PostgresStore[] = [];
const pools: pg.Pool[] = [];

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close().catch(() => undefined)));
  await dropTables(admin, tables);
  await Promise.all(pools.map((pool) => (pool.ended ? undefined : pool.end())));
  await admin.end();
});

/** A store on a fresh table whose connections carry a unique application_name. */
function storeOn(options: Partial<PostgresStoreOptions> = {}): { store: PostgresStore; name: string } {
  const name = `cache-pipe-${randomUUID()}`;
  const table = uniqueTable('pipe');
  tables.add(table);
  const store = new PostgresStore({
    connectionString: POSTGRES_URL,
    prefix: 'pipe',
    table,
    ...options,
    poolOptions: { application_name: name, ...options.poolOptions },
  });
  stores.push(store);
  return { store, name };
}

async function backends(applicationName: string): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
    [applicationName],
  );
  return rows.map((row) => row.pid);
}

const decode = (value: Uint8Array | undefined): string | undefined =>
  value === undefined ? undefined : new TextDecoder().decode(value);

describe('PostgresStore pipelining', () => {
  it('a store that creates its pool pipelines statements over a few connections, not the pool', async () => {
    // Without coalescing, so that 400 statements are in flight at once.
    const { store, name } = storeOn({ coalesce: false });
    expect(store.pipelineConnections).toBe(DEFAULT_PIPELINE_CONNECTIONS);
    await store.get('warm'); // creates the table (on the pool)
    const keys = Array.from({ length: 200 }, (_, i) => `k${i}`);
    await Promise.all(keys.map((key) => store.set(key, utf8(key), LONG_TTL)));
    const values = await Promise.all(keys.map((key) => store.get(key)));
    expect(values.map(decode)).toEqual(keys);
    expect(await store.increment('n', 5, LONG_TTL)).toBe(5);
    expect(await store.add('n', utf8('x'), LONG_TTL)).toBe(false);
    // Table creation was the pool's only work: 400 calls in flight used the pipelined connections.
    expect(store.pool.totalCount).toBeLessThanOrEqual(1);
    expect((await backends(name)).length).toBe(store.pool.totalCount + DEFAULT_PIPELINE_CONNECTIONS);
  });

  it('pipeline: false checks a client out per statement; bad values are ConfigErrors', async () => {
    const { store, name } = storeOn({ pipeline: false, poolOptions: { max: 3 } });
    expect(store.pipelineConnections).toBe(0);
    await Promise.all(Array.from({ length: 30 }, (_, i) => store.set(`k${i}`, utf8('v'), LONG_TTL)));
    expect((await backends(name)).length).toBe(store.pool.totalCount);
    for (const pipeline of [-1, 1.5, 65, 'two']) {
      expect(() => new PostgresStore({ prefix: 'p', pipeline: pipeline as never })).toThrow(
        expect.objectContaining({ code: 'CACHE_INVALID_CONFIG', message: expect.stringMatching(/pipeline/) }),
      );
    }
  });

  it('an injected pool is used as it is, unless pipeline asks for connections of its own', async () => {
    const name = `cache-pipe-${randomUUID()}`;
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2, application_name: name });
    pools.push(pool);
    const table = uniqueTable('inj');
    tables.add(table);
    const plain = new PostgresStore({ pool, table, prefix: 'a' });
    stores.push(plain);
    expect(plain.pipelineConnections).toBe(0);
    const piped = new PostgresStore({ pool, table, prefix: 'b', pipeline: 1 });
    stores.push(piped);
    await plain.set('k', utf8('a'), LONG_TTL);
    await piped.set('k', utf8('b'), LONG_TTL);
    expect(decode(await piped.get('k'))).toBe('b');
    // The pipelined connection was opened with the pool's own settings (its application_name).
    expect((await backends(name)).length).toBe(pool.totalCount + 1);
    await piped.close();
    await expect.poll(async () => (await backends(name)).length).toBe(pool.totalCount);
    expect(pool.ended).toBe(false);
  });

  it('a pipelined statement stuck behind a row lock times out; its connection is replaced', async () => {
    const { store, name } = storeOn({ pipeline: 1, timeout: '300ms' });
    await store.set('locked', utf8('v'), LONG_TTL);
    await store.set('free', utf8('f'), LONG_TTL);
    const before = await backends(name);
    const locker = await admin.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`SELECT 1 FROM ${store.statements.names.table} WHERE cache_key = $1 FOR UPDATE`, [
        Buffer.from('locked'),
      ]);
      const started = performance.now();
      const outcomes = await Promise.allSettled([
        store.set('locked', utf8('w'), LONG_TTL, { signal: new AbortController().signal }),
        // Pipelined behind the stuck statement on the only connection: it fails with it.
        store.get('free', { signal: new AbortController().signal }),
      ]);
      const elapsed = performance.now() - started;
      const [set, get] = outcomes.map((o) => (o as PromiseRejectedResult).reason);
      expect(set).toMatchObject({ code: 'CACHE_STORE_ERROR', operation: 'set' });
      expect(String(set.cause.message)).toMatch(/timeout/i);
      expect(get).toMatchObject({ code: 'CACHE_STORE_ERROR', operation: 'get' });
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(elapsed).toBeLessThan(2_000);
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
    // A new connection serves the next calls; the abandoned one goes away.
    expect(decode(await store.get('free'))).toBe('f');
    await expect
      .poll(async () => {
        const after = await backends(name);
        return [
          after.filter((pid) => !before.includes(pid)).length,
          before.filter((pid) => !after.includes(pid)).length,
        ];
      })
      .toEqual([1, 1]);
  });

  it('idle pipelined connections are closed after the pool idle timeout and reopened on demand', async () => {
    const { store, name } = storeOn({ poolOptions: { idleTimeoutMillis: 200 } });
    await Promise.all([store.set('a', utf8('1'), LONG_TTL), store.get('a'), store.get('b')]);
    expect((await backends(name)).length).toBeGreaterThan(0);
    await expect.poll(async () => (await backends(name)).length, { timeout: 5_000 }).toBe(0);
    expect(decode(await store.get('a'))).toBe('1');
  });

  it('coalesced gets and sets over the batch limits read and write every key; the last write wins', async () => {
    const { store } = storeOn();
    const keys = Array.from({ length: 1_200 }, (_, i) => `c${i}`);
    // 1,200 sets in one tick (3 multi-row upserts of ≤ 500), two of them on one key.
    await Promise.all([
      ...keys.map((key) => store.set(key, utf8(`v-${key}`), LONG_TTL)),
      store.set('c7', utf8('last'), LONG_TTL),
    ]);
    // 1,201 gets in one tick (3 IN (…) selects of ≤ 512), one of them a miss.
    const values = await Promise.all([...keys, 'missing'].map((key) => store.get(key)));
    expect(values.map(decode)).toEqual([
      ...keys.map((key) => (key === 'c7' ? 'last' : `v-${key}`)),
      undefined,
    ]);
  });
});
