import { PostgresStore } from '@cache/postgres';
import { crossProcessSuite, freshTable } from './support/cross-process-suite.js';

crossProcessSuite({
  backend: 'postgres',
  driver: 'postgres',
  atomicBy: 'one INSERT … ON CONFLICT DO UPDATE … RETURNING',
  // A pooled driver: two calls in flight per process keeps each child at two connections.
  inFlight: 2,
  scope: freshTable,
  create: (connectionString, prefix, table) => new PostgresStore({ connectionString, table, prefix }),
  dropScope: (store, table) => (store as PostgresStore).pool.query(`DROP TABLE IF EXISTS "${table}"`),
});
