import { randomUUID } from 'node:crypto';
import { MysqlStore } from '@cache/mysql';
import mysql from 'mysql2/promise';
import { describeBackend } from '../src/backends.js';
import { runConnectionKillSuite } from './support/connection-kill-suite.js';

/** MariaDB/MySQL "Unknown thread id": the connection ended before the KILL reached it. */
const ER_NO_SUCH_THREAD = 1094;

describeBackend('mysql', (uri) => {
  runConnectionKillSuite({
    name: 'mysql / MariaDB (KILL CONNECTION on the store pool’s connections)',
    async setUp(prefix) {
      const table = `cache_fault_${randomUUID().slice(0, 8)}`;
      const store = new MysqlStore({ uri, table, prefix });
      // Every connection the store's pool opens reports its server-side id (the
      // handshake's connection id, what CONNECTION_ID() returns on it).
      const opened = new Set<number>();
      store.pool.on('connection', (connection) => opened.add(connection.threadId));
      const admin = mysql.createPool({ uri, connectionLimit: 1 });
      const ids = async (): Promise<number[]> => {
        if (opened.size === 0) return [];
        const list = [...opened];
        const [rows] = await admin.query<mysql.RowDataPacket[]>(
          `SELECT ID FROM information_schema.PROCESSLIST WHERE ID IN (${list.map(() => '?').join(', ')})`,
          list,
        );
        const live = new Set(rows.map((row) => Number(row.ID)));
        for (const id of list) if (!live.has(id)) opened.delete(id);
        return [...live];
      };
      return {
        store,
        connectionIds: ids,
        async killConnections() {
          let killed = 0;
          for (const id of await ids()) {
            try {
              await admin.query('KILL CONNECTION ?', [id]);
              killed++;
            } catch (error) {
              if ((error as { errno?: number }).errno !== ER_NO_SUCH_THREAD) throw error;
            }
          }
          return killed;
        },
        async dispose() {
          await admin.query(`DROP TABLE IF EXISTS \`${table}\``);
          await admin.end();
        },
      };
    },
  });
});
