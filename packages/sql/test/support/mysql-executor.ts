import type { SqlExecutor, SqlParam, SqlQueryable, SqlRow } from '@cache/sql/internal';
import type mysql from 'mysql2/promise';

/** Connection settings of the shared test MariaDB server. */
export const MYSQL_CONFIG: mysql.PoolOptions = {
  host: process.env.CACHE_MYSQL_HOST ?? '127.0.0.1',
  port: Number(process.env.CACHE_MYSQL_PORT ?? 3306),
  user: process.env.CACHE_MYSQL_USER ?? 'root',
  database: process.env.CACHE_MYSQL_DATABASE ?? 'test',
  connectionLimit: 8,
};

type MysqlRunner = Pick<mysql.Pool, 'execute'> | Pick<mysql.PoolConnection, 'execute'>;

/**
 * Test-only executor over a mysql2 pool: `execute` (server-side prepared
 * statements), transactions on one pooled connection. The real one belongs to
 * `@cache/mysql`; this one exists to validate the MySQL dialect now.
 */
export function mysqlExecutor(pool: mysql.Pool): SqlExecutor {
  return {
    ...queryable(pool),
    async transaction(work) {
      const connection = await pool.getConnection();
      try {
        await connection.beginTransaction();
        const result = await work(queryable(connection));
        await connection.commit();
        return result;
      } catch (error) {
        await connection.rollback().catch(() => undefined);
        throw error;
      } finally {
        connection.release();
      }
    },
  };
}

function queryable(runner: MysqlRunner): SqlQueryable {
  return {
    async query(sql, params) {
      const [rows] = await runner.execute(sql, params as SqlParam[]);
      return rows as SqlRow[];
    },
    async execute(sql, params) {
      const [result] = await runner.execute(sql, params as SqlParam[]);
      return { affectedRows: (result as mysql.ResultSetHeader).affectedRows };
    },
  };
}
