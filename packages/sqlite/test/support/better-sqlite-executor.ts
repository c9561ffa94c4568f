import type { SqlExecutor, SqlParam, SqlQueryable, SqlRow } from '@cache/sql/internal';
import type Database from 'better-sqlite3';

/**
 * Test-only async executor over one better-sqlite3 connection, so that the
 * dialect-neutral `SqlStore` can run the SQLite dialect exactly as an async
 * SQLite driver would (transactional increment with `BEGIN IMMEDIATE`).
 *
 * One connection has one transaction at a time: calls are queued, so that no
 * statement of another caller runs inside an open transaction.
 */
export function betterSqliteExecutor(db: Database.Database): SqlExecutor {
  const statements = new Map<string, Database.Statement<unknown[], unknown>>();
  const prepare = (sql: string): Database.Statement<unknown[], unknown> => {
    let statement = statements.get(sql);
    if (statement === undefined) {
      statement = db.prepare(sql);
      statements.set(sql, statement);
    }
    return statement;
  };
  const direct: SqlQueryable = {
    async query(sql, params) {
      return prepare(sql).all(...(params as SqlParam[])) as SqlRow[];
    },
    async execute(sql, params) {
      return { affectedRows: prepare(sql).run(...(params as SqlParam[])).changes };
    },
  };
  // FIFO: each call starts when the previous one (statement or whole transaction) settled.
  let tail: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(run: () => Promise<T>): Promise<T> => {
    const result = tail.then(run);
    tail = result.catch(() => undefined);
    return result;
  };
  return {
    query: (sql, params) => exclusive(() => direct.query(sql, params)),
    execute: (sql, params) => exclusive(() => direct.execute(sql, params)),
    transaction: (work) =>
      exclusive(async () => {
        db.prepare('BEGIN IMMEDIATE').run();
        try {
          const result = await work(direct);
          db.prepare('COMMIT').run();
          return result;
        } catch (error) {
          db.prepare('ROLLBACK').run();
          throw error;
        }
      }),
  };
}
