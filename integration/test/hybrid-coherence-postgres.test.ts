import { PostgresStore } from '@cache/postgres';
import { freshTable } from './support/cross-process-suite.js';
import { coherenceSuite, REDIS_BUS } from './support/coherence-suite.js';

// PostgreSQL as L2 (a table of this run's own) with a RedisBus on a redis-server
// this file starts.
const table = freshTable();

coherenceSuite({
  title: 'postgres L2 + RedisBus',
  backend: 'postgres',
  node: (address, prefix) => ({ driver: 'postgres', address, prefix, scope: table }),
  create: (node) =>
    new PostgresStore({ connectionString: node.address, table: node.scope, prefix: node.prefix }),
  drop: (store) => (store as PostgresStore).pool.query(`DROP TABLE IF EXISTS "${table}"`),
  bus: REDIS_BUS,
});
