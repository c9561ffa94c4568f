import { randomBytes } from 'node:crypto';
import { NO_EXPIRY, utf8 } from '@cache/core';
import { afterAll, describe, expect, it } from 'vitest';
import type { SqlDialect, SqlExecutor } from '../../src/index.js';
import { SqlStore } from '../../src/index.js';

/** A real database the SQL store is tested against. */
export interface SqlBackend {
  /** Suite title. */
  readonly name: string;
  /** The dialect under test. */
  readonly dialect: SqlDialect;
  /** A new connection pool: several pools stand in for several processes. */
  connect(): { readonly executor: SqlExecutor; end(): Promise<void> };
  /** Rows of `table` (all prefixes), read behind the store's back. */
  countRows(executor: SqlExecutor, table: string): Promise<number>;
  /** Drops `table` if it exists. */
  dropTable(executor: SqlExecutor, table: string): Promise<void>;
  /** A schema-qualified name for `table` in a schema that exists. */
  qualified(table: string): string;
}

const LONG_TTL = 3_600_000;
const text = (value: string): Uint8Array => utf8(value);
const decode = (value: Uint8Array | undefined): string | undefined =>
  value === undefined ? undefined : new TextDecoder().decode(value);

/** A table name no other test run uses. */
export function uniqueTable(label: string): string {
  return `cache_t_${label}_${randomBytes(4).toString('hex')}`;
}

/**
 * Behaviour the shared contract suite does not pin down, checked against a real
 * server: cross-connection atomicity, the creation race, long keys, pruning,
 * schema-qualified tables and error wrapping.
 */
export function describeSqlBackend(backend: SqlBackend): void {
  describe(`SqlStore on ${backend.name}`, () => {
    const main = backend.connect();
    const tables = new Set<string>();
    const store = (
      options: { table: string; prefix?: string; executor?: SqlExecutor } & Record<string, unknown>,
    ) => {
      tables.add(options.table);
      return new SqlStore({
        dialect: backend.dialect,
        executor: main.executor,
        prefix: 'focused',
        ...options,
      });
    };
    afterAll(async () => {
      for (const table of tables) await backend.dropTable(main.executor, table);
      await main.end();
    });

    it('increments atomically across 4 connection pools (4 × 250 = 1,000, every value once)', async () => {
      const table = uniqueTable('inc');
      const pools = Array.from({ length: 4 }, () => backend.connect());
      try {
        const stores = pools.map((pool) => store({ table, executor: pool.executor }));
        const seen = await Promise.all(
          stores.map(async (s) => {
            const mine: number[] = [];
            // 5 in flight per pool: several connections per "process" contend as well.
            await Promise.all(
              Array.from({ length: 5 }, async () => {
                for (let i = 0; i < 50; i++) mine.push(await s.increment('counter', 1, LONG_TTL));
              }),
            );
            return mine;
          }),
        );
        expect(seen.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 1_000 }, (_, i) => i + 1));
        expect(decode(await stores[0]?.get('counter'))).toBe('1000');
      } finally {
        await Promise.all(pools.map((pool) => pool.end()));
      }
    }, 60_000);

    it('add over absent and expired rows has exactly one winner across 4 pools', async () => {
      const table = uniqueTable('add');
      const pools = Array.from({ length: 4 }, () => backend.connect());
      try {
        const stores = pools.map((pool) => store({ table, executor: pool.executor }));
        const keys = Array.from({ length: 40 }, (_, i) => `lock-${i}`);
        const setup = stores[0] as SqlStore;
        await setup.setMany(
          keys.filter((_, i) => i % 2 === 0).map((key) => ({ key, value: text('old'), ttl: 1 })),
        );
        await expect.poll(() => setup.get(keys[0] as string)).toBeUndefined();
        const won = await Promise.all(
          stores.map(async (s, i) => {
            const mine: string[] = [];
            await Promise.all(
              keys.map(async (key) => {
                if (await s.add(key, text(`writer-${i}`), LONG_TTL)) mine.push(key);
              }),
            );
            return mine;
          }),
        );
        expect(won.flat().sort()).toEqual([...keys].sort());
        const values = await setup.getMany(keys);
        expect(values.every((v) => decode(v)?.startsWith('writer-'))).toBe(true);
      } finally {
        await Promise.all(pools.map((pool) => pool.end()));
      }
    }, 60_000);

    it('4 stores creating one fresh table at the same moment all succeed', async () => {
      for (let round = 0; round < 3; round++) {
        const table = uniqueTable('race');
        const pools = Array.from({ length: 4 }, () => backend.connect());
        try {
          const stores = pools.map((pool, i) =>
            store({ table, executor: pool.executor, prefix: `race-${i}` }),
          );
          await Promise.all(stores.map((s, i) => s.set('k', text(`v${i}`), LONG_TTL)));
          expect(await Promise.all(stores.map(async (s) => decode(await s.get('k'))))).toEqual([
            'v0',
            'v1',
            'v2',
            'v3',
          ]);
        } finally {
          await Promise.all(pools.map((pool) => pool.end()));
        }
      }
    }, 60_000);

    it('4 KiB keys (ASCII and multi-byte) work with every operation and stay distinct', async () => {
      const s = store({ table: uniqueTable('keys') });
      const ascii = `${'k'.repeat(4095)}a`;
      const twin = `${'k'.repeat(4095)}b`;
      const wide = '鍵'.repeat(4096);
      for (const [key, value] of [
        [ascii, 'ascii'],
        [twin, 'twin'],
        [wide, 'wide'],
      ] as const) {
        await s.set(key, text(value), LONG_TTL);
      }
      expect(decode(await s.get(ascii))).toBe('ascii');
      expect(decode(await s.get(twin))).toBe('twin');
      expect((await s.getMany([wide, ascii, twin])).map(decode)).toEqual(['wide', 'ascii', 'twin']);
      expect(await s.add(wide, text('x'), LONG_TTL)).toBe(false);
      expect(await s.deleteIfEquals(wide, text('wide'))).toBe(true);
      expect(await s.increment(wide, 3, LONG_TTL)).toBe(3);
      await s.deleteMany([ascii, wide]);
      expect((await s.getMany([ascii, twin, wide])).map(decode)).toEqual([undefined, 'twin', undefined]);
    });

    it('keys with NUL round trip; lone surrogates are refused before any SQL, never merged', async () => {
      const table = uniqueTable('odd');
      const s = store({ table });
      await s.set('nul\0inside', text('nul'), LONG_TTL);
      await s.set('nul', text('plain'), LONG_TTL);
      expect(decode(await s.get('nul\0inside'))).toBe('nul');
      expect(decode(await s.get('nul'))).toBe('plain');
      // '\uD800x' and '\uDBFFx' both encode to UTF-8 as '\uFFFDx': stored, they would be one row.
      for (const key of ['\uD800x', '\uDBFFx']) {
        await expect(s.set(key, text(key), LONG_TTL)).rejects.toMatchObject({ code: 'CACHE_INVALID_KEY' });
        await expect(s.increment(key, 1, LONG_TTL)).rejects.toMatchObject({ code: 'CACHE_INVALID_KEY' });
      }
      await expect(s.getMany(['nul', '\uDBFFx'])).rejects.toMatchObject({ code: 'CACHE_INVALID_KEY' });
      expect(await s.get('\uFFFDx')).toBeUndefined();
      expect(await backend.countRows(main.executor, table)).toBe(2);
    });

    it('increment follows COUNTER_PATTERN exactly: canonical decimals only, in range', async () => {
      const s = store({ table: uniqueTable('canon') });
      for (const value of ['05', '-0', '+5', ' 5', '00', '-05', '1e3', '0x1']) {
        await s.set('odd', text(value), LONG_TTL);
        await expect(s.increment('odd', 1, LONG_TTL), value).rejects.toMatchObject({
          code: 'CACHE_NOT_NUMERIC',
        });
        expect(decode(await s.get('odd')), value).toBe(value);
      }
      // 16 digits but above 2^53 − 1: not a safe integer, even where the sum would be.
      await s.set('unsafe', text('9999999999999999'), LONG_TTL);
      await expect(s.increment('unsafe', -1_000_000_000_000_000, LONG_TTL)).rejects.toMatchObject({
        code: 'CACHE_NOT_NUMERIC',
      });
      expect(decode(await s.get('unsafe'))).toBe('9999999999999999');
      for (const [value, next] of [
        ['0', 1],
        ['-1', 0],
        ['10', 11],
      ] as const) {
        await s.set('ok', text(value), LONG_TTL);
        expect(await s.increment('ok', 1, LONG_TTL), value).toBe(next);
      }
    });

    it('increment refuses non-numeric and out-of-range values and leaves them unchanged', async () => {
      const s = store({ table: uniqueTable('num') });
      const cases: [string, string][] = [
        ['word', 'abc'],
        ['padded', ' 12'],
        ['plus', '+5'],
        ['seventeen-digits', '12345678901234567'],
        ['binary', '\u00ff1'],
      ];
      for (const [key, value] of cases) {
        await s.set(key, text(value), LONG_TTL);
        await expect(s.increment(key, 1, LONG_TTL), key).rejects.toMatchObject({ code: 'CACHE_NOT_NUMERIC' });
        expect(decode(await s.get(key)), key).toBe(value);
      }
      await s.set('edge', text(String(Number.MAX_SAFE_INTEGER - 1)), LONG_TTL);
      expect(await s.increment('edge', 1, LONG_TTL)).toBe(Number.MAX_SAFE_INTEGER);
      await expect(s.increment('edge', 1, LONG_TTL)).rejects.toThrow(/safe integer range/);
      expect(decode(await s.get('edge'))).toBe(String(Number.MAX_SAFE_INTEGER));
      expect(await s.increment('edge', -2, NO_EXPIRY)).toBe(Number.MAX_SAFE_INTEGER - 2);
      // An expired non-numeric value is absent: the counter starts again at 0.
      await s.set('expired-word', text('abc'), 1);
      await expect.poll(() => s.get('expired-word')).toBeUndefined();
      expect(await s.increment('expired-word', 4, LONG_TTL)).toBe(4);
      await expect(s.increment('word', 0.5, LONG_TTL)).rejects.toMatchObject({ code: 'CACHE_INVALID_VALUE' });
    });

    it('prune deletes at most `limit` expired rows of every prefix and never a live one', async () => {
      const table = uniqueTable('prune');
      const a = store({ table, prefix: 'a' });
      const b = store({ table, prefix: 'b' });
      await a.setMany(Array.from({ length: 15 }, (_, i) => ({ key: `old-${i}`, value: text('x'), ttl: 1 })));
      await b.setMany(Array.from({ length: 15 }, (_, i) => ({ key: `old-${i}`, value: text('x'), ttl: 1 })));
      await a.set('live', text('live'), LONG_TTL);
      await b.set('forever', text('forever'), NO_EXPIRY);
      await expect.poll(() => a.get('old-14')).toBeUndefined();
      await expect.poll(() => b.get('old-14')).toBeUndefined();
      expect(await backend.countRows(main.executor, table)).toBe(32);
      expect(await a.prune({ limit: 10 })).toBe(10);
      expect(await backend.countRows(main.executor, table)).toBe(22);
      expect(await a.prune({ limit: 100 })).toBe(20);
      expect(await a.prune()).toBe(0);
      expect(await backend.countRows(main.executor, table)).toBe(2);
      expect(decode(await a.get('live'))).toBe('live');
      expect(decode(await b.get('forever'))).toBe('forever');
      await expect(a.prune({ limit: 0 })).rejects.toMatchObject({ code: 'CACHE_INVALID_CONFIG' });
    });

    it('the periodic prune removes expired rows on its own and stops on close', async () => {
      const table = uniqueTable('timer');
      const errors: unknown[] = [];
      const s = store({
        table,
        pruneInterval: '50ms',
        onBackgroundError: (error: unknown) => errors.push(error),
      });
      await s.setMany(Array.from({ length: 5 }, (_, i) => ({ key: `k${i}`, value: text('x'), ttl: 1 })));
      await s.set('live', text('live'), LONG_TTL);
      await expect.poll(() => backend.countRows(main.executor, table), { timeout: 5_000 }).toBe(1);
      await s.close();
      expect(errors).toEqual([]);
    });

    it('works with a schema-qualified table name', async () => {
      const table = uniqueTable('schema');
      const qualified = backend.qualified(table);
      tables.add(table);
      const s = new SqlStore({
        dialect: backend.dialect,
        executor: main.executor,
        table: qualified,
        prefix: 'q',
      });
      await s.set('k', text('v'), LONG_TTL);
      expect(await s.add('k2', text('w'), LONG_TTL)).toBe(true);
      expect(await s.increment('n', 2, LONG_TTL)).toBe(2);
      expect(await s.prune()).toBe(0);
      expect(await backend.countRows(main.executor, table)).toBe(3);
    });

    it('createTable: false never creates the table; using a missing one is a StoreError', async () => {
      const table = uniqueTable('nocreate');
      const s = store({ table, createTable: false });
      const error = await s.get('k').catch((caught: unknown) => caught);
      expect(error).toMatchObject({
        code: 'CACHE_STORE_ERROR',
        driver: backend.dialect.name,
        operation: 'get',
      });
      expect((error as Error).cause).toBeInstanceOf(Error);
    });

    it('driver failures become StoreError with the cause; closed stores reject with StoreClosedError', async () => {
      const pool = backend.connect();
      const s = store({ table: uniqueTable('fail'), executor: pool.executor, onClose: () => pool.end() });
      await s.set('k', text('v'), LONG_TTL);
      await pool.end();
      const error = await s.get('k').catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'CACHE_STORE_ERROR', operation: 'get' });
      expect((error as Error).cause).toBeDefined();
      await s.close().catch(() => undefined);
      await expect(s.get('k')).rejects.toMatchObject({ code: 'CACHE_STORE_CLOSED' });
    });
  });
}
