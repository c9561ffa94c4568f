import { randomBytes } from 'node:crypto';
import { runCacheContract, runStoreContract } from '@cache/contract';
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { createMysqlDialect, mysqlDialect, SqlStore } from '../src/internal.js';
import { describeSqlBackend, uniqueTable } from './support/backend-suite.js';
import { MYSQL_CONFIG, mysqlExecutor } from './support/mysql-executor.js';

const pool = mysql.createPool(MYSQL_CONFIG);
const executor = mysqlExecutor(pool);
const table = uniqueTable('my_contract');
afterAll(async () => {
  await pool.query(`DROP TABLE IF EXISTS \`${table}\``);
  await pool.end();
});

const create = ({ prefix }: { prefix: string }) =>
  new SqlStore({ dialect: mysqlDialect, executor, table, prefix });

runStoreContract({ name: 'SqlStore + mysqlDialect (MariaDB)', create });
runCacheContract({ name: 'SqlStore + mysqlDialect (MariaDB)', create });
runCacheContract({
  name: 'SqlStore + mysqlDialect (MariaDB), gzip + aes-256-gcm',
  create,
  cacheOptions: { compression: 'gzip', encryption: { key: randomBytes(32) } },
});

describeSqlBackend({
  name: 'MariaDB',
  dialect: mysqlDialect,
  connect() {
    const own = mysql.createPool({ ...MYSQL_CONFIG, connectionLimit: 4 });
    return { executor: mysqlExecutor(own), end: () => own.end() };
  },
  async countRows(ex, name) {
    const rows = await ex.query(`SELECT count(*) AS n FROM \`${name}\``, []);
    return Number(rows[0]?.n);
  },
  async dropTable(ex, name) {
    await ex.execute(`DROP TABLE IF EXISTS \`${name}\``, []);
  },
  qualified: (name) => `${MYSQL_CONFIG.database}.${name}`,
});

describe('mysql dialect options', () => {
  it('maxValueBytes caps values with ValueTooLargeError before any SQL', async () => {
    const calls: string[] = [];
    const store = new SqlStore({
      dialect: createMysqlDialect({ maxValueBytes: 1_024 }),
      executor: {
        query: async (sql) => {
          calls.push(sql);
          return [];
        },
        execute: async (sql) => {
          calls.push(sql);
          return { affectedRows: 0 };
        },
        transaction: async (work) => work(executor),
      },
      table: uniqueTable('cap'),
      prefix: 'cap',
    });
    expect(store.capabilities.maxValueBytes).toBe(1_024);
    await expect(store.set('k', new Uint8Array(1_025), 0)).rejects.toMatchObject({
      code: 'CACHE_VALUE_TOO_LARGE',
    });
    expect(calls).toEqual([]);
    expect(() => createMysqlDialect({ maxValueBytes: -1 })).toThrow(/positive integer/);
  });

  it('the default cap leaves room for the key inside max_allowed_packet (16 MiB)', async () => {
    const name = uniqueTable('big');
    const store = new SqlStore({ dialect: mysqlDialect, executor, table: name, prefix: 'big' });
    try {
      const big = new Uint8Array(mysqlDialect.maxValueBytes as number).fill(7);
      await store.set('k'.repeat(4096), big, 0);
      const read = await store.get('k'.repeat(4096));
      expect(read?.byteLength).toBe(big.byteLength);
    } finally {
      await executor.execute(`DROP TABLE IF EXISTS \`${name}\``, []);
    }
  }, 60_000);
});
