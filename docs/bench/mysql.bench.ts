/**
 * MySQL / MariaDB benchmark: `MysqlStore.get`/`set` and `Cache.get`/`set` over it
 * next to raw prepared statements through the same mysql2 pool, in the same process
 * and run (plan and method in `sql-driver-bench.ts`).
 *
 * The raw side runs the store's own statement text (same table, same primary-key
 * lookup, same expiry predicate) with `pool.execute` (server-side prepared,
 * cached per connection), the way an application uses mysql2, with the key's
 * identity (prefix, SHA-256, key bytes) computed once up front.
 *
 * Targets (issue 12): `cache.get` / `cache.set` ≥ 1.0× raw mysql2 `execute` (+ the
 * same JSON decode / encode), at 64 in flight and sequentially. The store runs with
 * its defaults (coalescing on) on the raw side's own pool. The bench uses the shared
 * server at `CACHE_MYSQL_URL` (default mysql://root@127.0.0.1:3306/test) on a table
 * of its own, dropped at the end.
 *
 * Run with `pnpm bench` at the root, or `pnpm --filter @cache/docs bench mysql`.
 *
 * @packageDocumentation
 */

import { Cache } from '@cache/core';
import { MysqlStore } from '@cache/mysql';
import mysql from 'mysql2/promise';
import { runSqlDriverBench } from './sql-driver-bench.js';

const uri = process.env.CACHE_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
const PREFIX = 'bench';
const table = `cache_bench_${process.pid}`;

// One pool for both sides (mysql2's default size, 10), injected into the store.
const pool = mysql.createPool({ uri, connectionLimit: 10 });
const store = new MysqlStore({ pool, table, prefix: PREFIX });
const cache = new Cache({ store });

try {
  await runSqlDriverBench({
    title: '@cache/mysql vs raw mysql2 (MariaDB)',
    rawName: 'raw prepared select',
    store,
    cache,
    rawSelect: async (params) => {
      const [rows] = await pool.execute<mysql.RowDataPacket[]>(store.statements.get, params);
      return rows[0]?.value as Buffer | undefined;
    },
    rawUpsert: (params) => pool.execute(store.statements.set, params),
    notes: [
      `shared server ${uri.replace(/\/\/[^@]*@/, '//')}, table ${table}; mysql2 pool of 10`,
      'raw uses the promise API (pool.execute); the store drives the same pool through its callback API',
    ],
  });
} finally {
  await pool.query(`DROP TABLE IF EXISTS \`${table}\``);
  await cache.close();
  await pool.end();
}
