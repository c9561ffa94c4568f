import { randomUUID } from 'node:crypto';
import { MysqlStore } from '@cache/mysql';
import mysql from 'mysql2/promise';
import { afterAll } from 'vitest';
import { describeBackend } from '../src/backends.js';
import { runContractSuites } from '../src/contract-suites.js';

describeBackend('mysql', (uri) => {
  // Each store creates and owns its pool (the path most applications use); all
  // share one fresh table, scoped by the suites' prefixes, dropped at the end.
  const table = `cache_it_${randomUUID().slice(0, 8)}`;
  afterAll(async () => {
    const admin = mysql.createPool({ uri, connectionLimit: 1 });
    try {
      await admin.query(`DROP TABLE IF EXISTS \`${table}\``);
    } finally {
      await admin.end();
    }
  });
  runContractSuites({
    name: 'mysql (MariaDB)',
    create: (prefix) => new MysqlStore({ uri, table, prefix }),
  });
});
