import { randomUUID } from 'node:crypto';
import { Cache, type Store } from '@cache/core';
import { MysqlStore } from '@cache/mysql';
import { PostgresStore } from '@cache/postgres';
import { afterAll, expect, it } from 'vitest';
import { type BackendName, describeBackend } from '../src/backends.js';
import { runSqlIncrementWorkers } from './support/sql-workers.js';

const PROCESSES = 4;
const INCREMENTS_PER_PROCESS = 2_500;
const IN_FLIGHT_PER_PROCESS = 2;

interface Driver {
  readonly backend: BackendName & ('postgres' | 'mysql');
  /** How its increment is atomic, for the test title. */
  readonly how: string;
  readonly create: (address: string, table: string, prefix: string) => Store;
  readonly dropTable: (store: Store, table: string) => Promise<unknown>;
}

const DRIVERS: readonly Driver[] = [
  {
    backend: 'postgres',
    how: 'one INSERT … ON CONFLICT DO UPDATE … RETURNING',
    create: (connectionString, table, prefix) => new PostgresStore({ connectionString, table, prefix }),
    dropTable: (store, table) => (store as PostgresStore).pool.query(`DROP TABLE IF EXISTS "${table}"`),
  },
  {
    backend: 'mysql',
    how: 'locking transaction',
    create: (uri, table, prefix) => new MysqlStore({ uri, table, prefix }),
    dropTable: (store, table) => (store as MysqlStore).pool.query(`DROP TABLE IF EXISTS \`${table}\``),
  },
];

for (const { backend, how, create, dropTable } of DRIVERS) {
  describeBackend(backend, (address) => {
    const table = `cache_xproc_${randomUUID().slice(0, 8)}`;
    const prefix = `xproc-${randomUUID()}`;
    const store = create(address, table, prefix);
    const cache = new Cache({ store });
    afterAll(async () => {
      await dropTable(store, table);
      await cache.close();
    });

    const total = PROCESSES * INCREMENTS_PER_PROCESS;
    it(`${PROCESSES} processes × ${INCREMENTS_PER_PROCESS} increments = exactly ${total} (${how})`, async () => {
      // The table exists before the children start: they race on the counter, not on DDL.
      expect(await cache.get('hits')).toBeUndefined();
      const results = await runSqlIncrementWorkers(
        {
          driver: backend,
          address,
          table,
          prefix,
          key: 'hits',
          count: INCREMENTS_PER_PROCESS,
          concurrency: IN_FLIGHT_PER_PROCESS,
        },
        PROCESSES,
      );
      // Every increment saw a distinct value: no update was lost or applied twice.
      const seen = results.flat();
      expect(seen.length).toBe(total);
      expect(new Set(seen).size).toBe(total);
      expect(Math.min(...seen)).toBe(1);
      expect(Math.max(...seen)).toBe(total);
      expect(await cache.increment('hits', 0)).toBe(total);
    }, 90_000);
  });
}
