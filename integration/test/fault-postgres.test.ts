import { randomUUID } from 'node:crypto';
import { PostgresStore } from '@cache/postgres';
import { describeBackend } from '../src/backends.js';
import { runConnectionKillSuite } from './support/connection-kill-suite.js';

describeBackend('postgres', (connectionString) => {
  runConnectionKillSuite({
    name: 'postgres (pg_terminate_backend on the store pool’s connections)',
    async setUp(prefix) {
      // A unique application_name marks the store's connections in pg_stat_activity.
      const applicationName = `cache-fault-${randomUUID()}`;
      const table = `cache_fault_${randomUUID().slice(0, 8)}`;
      // The store owns its pool, with the package defaults and no onBackgroundError:
      // killed idle clients must be absorbed by the store's own listener.
      const store = new PostgresStore({
        connectionString,
        table,
        prefix,
        poolOptions: { application_name: applicationName },
      });
      // The admin side is a store of its own, used for its typed pg pool (under the
      // default application_name, so it never matches the store's).
      const adminStore = new PostgresStore({
        connectionString,
        prefix: 'fault-admin',
        poolOptions: { max: 1 },
      });
      const admin = adminStore.pool;
      const ids = async (): Promise<number[]> => {
        const { rows } = await admin.query<{ pid: number }>(
          'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
          [applicationName],
        );
        return rows.map((row) => row.pid);
      };
      return {
        store,
        connectionIds: ids,
        async killConnections() {
          // In the target list, never in WHERE: the planner may evaluate a WHERE
          // function before the filter, i.e. on every backend of the server.
          const { rows } = await admin.query<{ terminated: boolean }>(
            'SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity WHERE application_name = $1',
            [applicationName],
          );
          return rows.filter((row) => row.terminated).length;
        },
        async dispose() {
          await admin.query(`DROP TABLE IF EXISTS "${table}"`);
          await adminStore.close();
        },
      };
    },
  });
});
