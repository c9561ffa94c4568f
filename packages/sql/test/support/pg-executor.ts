import { createHash } from 'node:crypto';
import type { SqlExecutor, SqlParam, SqlQueryable, SqlRow } from '@cache/sql/internal';
import type pg from 'pg';

/** Connection settings of the shared test PostgreSQL server. */
export const PG_CONFIG: pg.PoolConfig = {
  host: process.env.CACHE_PG_HOST ?? '127.0.0.1',
  port: Number(process.env.CACHE_PG_PORT ?? 5432),
  user: process.env.CACHE_PG_USER ?? 'postgres',
  database: process.env.CACHE_PG_DATABASE ?? 'test',
  max: 8,
};

type PgRunner = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

/**
 * Test-only executor over a pg pool: named (server-side prepared) statements,
 * `BEGIN`/`COMMIT` transactions on one pooled client. The real one belongs to
 * `@cache/postgres`; this one exists to validate the Postgres dialect now.
 */
export function pgExecutor(pool: pg.Pool): SqlExecutor {
  return {
    ...queryable(pool),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(queryable(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  };
}

function queryable(runner: PgRunner): SqlQueryable {
  const run = (sql: string, params: readonly SqlParam[]): Promise<pg.QueryResult> =>
    runner.query({ name: statementName(sql), text: sql, values: params as SqlParam[] });
  return {
    async query(sql, params) {
      return (await run(sql, params)).rows as SqlRow[];
    },
    async execute(sql, params) {
      return { affectedRows: (await run(sql, params)).rowCount ?? 0 };
    },
  };
}

const names = new Map<string, string>();

function statementName(sql: string): string {
  let name = names.get(sql);
  if (name === undefined) {
    name = `cache_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    names.set(sql, name);
  }
  return name;
}
