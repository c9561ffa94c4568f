import { MysqlStore } from '@cache/mysql';
import { crossProcessSuite, freshTable } from './support/cross-process-suite.js';

crossProcessSuite({
  backend: 'mysql',
  driver: 'mysql',
  atomicBy: 'locking transaction',
  // A pooled driver: two calls in flight per process keeps each child at two connections.
  inFlight: 2,
  scope: freshTable,
  create: (uri, prefix, table) => new MysqlStore({ uri, table, prefix }),
  dropScope: (store, table) => (store as MysqlStore).pool.query(`DROP TABLE IF EXISTS \`${table}\``),
});
