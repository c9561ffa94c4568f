import { randomBytes } from 'node:crypto';
import { runCacheContract, runStoreContract } from '@cache/contract';
import mysql from 'mysql2/promise';
import { afterAll } from 'vitest';
import { MysqlStore } from '../src/index.js';
import { dropTables, MYSQL_URL, uniqueTable } from './support/mysql.js';

// One injected pool for every store the suites build (the suites close each store
// after its test: the pool must survive that), one fresh table for this run.
const pool = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 8 });
const table = uniqueTable('contract');
afterAll(async () => {
  await dropTables(pool, [table]);
  await pool.end();
});

const create = ({ prefix }: { prefix: string }) => new MysqlStore({ pool, table, prefix });

runStoreContract({ name: 'mysql (MariaDB)', create });
runCacheContract({ name: 'mysql (MariaDB)', create });
runCacheContract({
  name: 'mysql (MariaDB), gzip + aes-256-gcm',
  create,
  cacheOptions: { compression: { algorithm: 'gzip', minBytes: 0 }, encryption: { key: randomBytes(32) } },
});
