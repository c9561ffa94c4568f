/**
 * PostgreSQL benchmark: `PostgresStore.get` and `Cache.get` over it next to a raw
 * prepared select through the same pg pool, in the same process and run (plan
 * and method in `sql-driver-bench.ts`).
 *
 * The raw side runs the store's own statement text (same table, same primary-key
 * lookup, same expiry predicate) as a named prepared statement, with the key's
 * identity (prefix, SHA-256, key bytes) computed once up front, so the ratio is
 * the whole cost of the store layer: hashing the key, the `@cache/sql` call path,
 * the per-statement deadline, the copy of pg's pooled `Buffer` slice.
 *
 * Target (issue 5): `get` within 1.15× of the raw prepared select. The bench uses
 * the shared server at `CACHE_POSTGRES_URL` (default
 * postgres://postgres@127.0.0.1:5432/test) on a table of its own, dropped at the end.
 *
 * Run with `pnpm bench` at the root, or `pnpm --filter @cache/docs bench postgres`.
 *
 * @packageDocumentation
 */

import { Cache } from '@cache/core';
import { PostgresStore } from '@cache/postgres';
import pg from 'pg';
import { runSqlDriverBench } from './sql-driver-bench.js';

const connectionString = process.env.CACHE_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PREFIX = 'bench';
const table = `cache_bench_${process.pid}`;

// One pool for both sides (pg's default size, 10), injected into the store.
const pool = new pg.Pool({ connectionString, max: 10 });
pool.on('error', () => {});
const store = new PostgresStore({ pool, table, prefix: PREFIX });
const cache = new Cache({ store });

try {
  await runSqlDriverBench({
    title: '@cache/postgres vs raw pg',
    rawName: 'raw prepared select',
    store,
    cache,
    rawSelect: async (values) => {
      const { rows } = await pool.query<{ value: Buffer }>({
        name: 'bench_raw_get',
        text: store.statements.get,
        values,
      });
      return rows[0]?.value;
    },
    rawUpsert: (values) => pool.query({ name: 'bench_raw_set', text: store.statements.set, values }),
    notes: [`shared server ${connectionString.replace(/\/\/[^@]*@/, '//')}, table ${table}; pg pool of 10`],
  });
} finally {
  await pool.query(`DROP TABLE IF EXISTS "${table}"`);
  await cache.close();
  await pool.end();
}
