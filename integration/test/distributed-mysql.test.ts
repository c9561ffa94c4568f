import { MysqlStore } from '@cache/mysql';
import { freshTable } from './support/cross-process-suite.js';
import { distributedSuite } from './support/distributed-suite.js';

distributedSuite({
  backend: 'mysql',
  driver: 'mysql',
  scope: freshTable,
  create: (uri, prefix, table) => new MysqlStore({ uri, table, prefix }),
  dropScope: (store, table) => (store as MysqlStore).pool.query(`DROP TABLE IF EXISTS \`${table}\``),
});
