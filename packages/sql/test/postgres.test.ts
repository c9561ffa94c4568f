import { randomBytes } from 'node:crypto';
import { runCacheContract, runStoreContract } from '@cache/contract';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresDialect, postgresDialect, SqlStore } from '../src/internal.js';
import { describeSqlBackend, uniqueTable } from './support/backend-suite.js';
import { PG_CONFIG, pgExecutor } from './support/pg-executor.js';

const pool = new pg.Pool(PG_CONFIG);
const executor = pgExecutor(pool);
const table = uniqueTable('pg_contract');
afterAll(async () => {
  await pool.query(`DROP TABLE IF EXISTS "${table}"`);
  await pool.end();
});

const create = ({ prefix }: { prefix: string }) =>
  new SqlStore({ dialect: postgresDialect, executor, table, prefix });

runStoreContract({ name: 'SqlStore + postgresDialect', create });
runCacheContract({ name: 'SqlStore + postgresDialect', create });
runCacheContract({
  name: 'SqlStore + postgresDialect, gzip + aes-256-gcm',
  create,
  cacheOptions: { compression: 'gzip', encryption: { key: randomBytes(32) } },
});

describeSqlBackend({
  name: 'PostgreSQL',
  dialect: postgresDialect,
  connect() {
    const own = new pg.Pool({ ...PG_CONFIG, max: 4 });
    return { executor: pgExecutor(own), end: () => own.end() };
  },
  async countRows(ex, name) {
    const rows = await ex.query(`SELECT count(*)::int AS n FROM "${name}"`, []);
    return Number(rows[0]?.n);
  },
  async dropTable(ex, name) {
    await ex.execute(`DROP TABLE IF EXISTS "${name}"`, []);
  },
  qualified: (name) => `public.${name}`,
});

describe('postgres dialect options', () => {
  it('unlogged: creates an UNLOGGED table and reports durable: false', async () => {
    const name = uniqueTable('unlogged');
    const store = new SqlStore({
      dialect: createPostgresDialect({ unlogged: true }),
      executor,
      table: name,
      prefix: 'unlogged',
    });
    expect(store.capabilities.durable).toBe(false);
    expect(postgresDialect.durable).toBe(true);
    try {
      await store.set('k', new Uint8Array([1]), 0);
      const rows = await executor.query('SELECT relpersistence FROM pg_class WHERE relname = $1', [name]);
      expect(rows[0]?.relpersistence).toBe('u');
    } finally {
      await executor.execute(`DROP TABLE IF EXISTS "${name}"`, []);
    }
  });
});
