/**
 * PostgreSQL benchmark: `PostgresStore.get`/`set` and `Cache.get`/`set` over it
 * next to raw prepared statements on a pg pool of the same size (10), in the same
 * process and run (plan and method in `sql-driver-bench.ts`).
 *
 * The store is built the way most applications build it (from a connection
 * string, `poolOptions: { max: 10 }`, every other option at its default, which
 * pipelines single statements over a few connections); the raw side is a pg pool
 * of 10 running the store's own statement texts (same table, same primary-key
 * lookup, same expiry predicate) as named prepared statements, with the key's
 * identity (prefix, SHA-256, key bytes) computed once up front.
 *
 * Targets (issue 12): `cache.get` / `cache.set` ≥ 1.0× the raw statements (+ the
 * same JSON decode / encode) at 64 in flight and sequentially. The bench uses the
 * shared server at `CACHE_POSTGRES_URL` (default
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

// The raw side: pg's own pool of pg's default size, 10.
const pool = new pg.Pool({ connectionString, max: 10 });
pool.on('error', () => {});
// The store: its own pool of the same size, defaults otherwise.
const pipeline =
  process.env.CACHE_BENCH_PIPELINE === undefined ? undefined : Number(process.env.CACHE_BENCH_PIPELINE);
const store = new PostgresStore({
  connectionString,
  table,
  prefix: PREFIX,
  poolOptions: { max: 10 },
  pipeline,
});
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
    notes: [
      `shared server ${connectionString.replace(/\/\/[^@]*@/, '//')}, table ${table}`,
      `raw: pg pool of 10; store: its own pool of 10, pipeline ${String(store.pipelineConnections)} connections`,
    ],
  });
} finally {
  await pool.query(`DROP TABLE IF EXISTS "${table}"`);
  await cache.close();
  await pool.end();
}
