import { randomUUID } from 'node:crypto';
import { PostgresStore } from '@cache/postgres';
import { afterAll } from 'vitest';
import { describeBackend } from '../src/backends.js';
import { runContractSuites } from '../src/contract-suites.js';

describeBackend('postgres', (connectionString) => {
  // Each store creates and owns its pool (the path most applications use); all
  // share one fresh table, scoped by the suites' prefixes, dropped at the end.
  const table = `cache_it_${randomUUID().slice(0, 8)}`;
  afterAll(async () => {
    // A store of its own just for its typed pg pool (this package has no @types/pg).
    const admin = new PostgresStore({ connectionString, prefix: 'it-admin', poolOptions: { max: 1 } });
    try {
      await admin.pool.query(`DROP TABLE IF EXISTS "${table}"`);
    } finally {
      await admin.close();
    }
  });
  runContractSuites({
    name: 'postgres',
    create: (prefix) => new PostgresStore({ connectionString, table, prefix }),
  });
});
