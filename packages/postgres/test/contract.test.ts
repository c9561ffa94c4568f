import { randomBytes } from 'node:crypto';
import { runCacheContract, runStoreContract } from '@cache/contract';
import pg from 'pg';
import { afterAll } from 'vitest';
import { PostgresStore } from '../src/index.js';
import { dropTables, POSTGRES_URL, uniqueTable } from './support/postgres.js';

// One injected pool for every store the suites build (the suites close each store
// after its test: the pool must survive that), one fresh table for this run.
const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 8 });
const table = uniqueTable('contract');
afterAll(async () => {
  await dropTables(pool, [table]);
  await pool.end();
});

const create = ({ prefix }: { prefix: string }) => new PostgresStore({ pool, table, prefix });

runStoreContract({ name: 'postgres', create });
runCacheContract({ name: 'postgres', create });
runCacheContract({
  name: 'postgres, gzip + aes-256-gcm',
  create,
  cacheOptions: { compression: { algorithm: 'gzip', minBytes: 0 }, encryption: { key: randomBytes(32) } },
});
