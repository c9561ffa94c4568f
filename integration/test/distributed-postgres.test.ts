import { PostgresStore } from '@cache/postgres';
import { freshTable } from './support/cross-process-suite.js';
import { distributedSuite } from './support/distributed-suite.js';

distributedSuite({
  backend: 'postgres',
  driver: 'postgres',
  scope: freshTable,
  // 4 children × a small pool: well inside the shared server's connection limit.
  options: { poolOptions: { max: 4 } },
  create: (connectionString, prefix, table) => new PostgresStore({ connectionString, table, prefix }),
  dropScope: (store, table) => (store as PostgresStore).pool.query(`DROP TABLE IF EXISTS "${table}"`),
});
