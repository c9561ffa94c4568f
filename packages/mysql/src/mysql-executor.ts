import type {
  SqlCallOptions,
  SqlExecuteResult,
  SqlExecutor,
  SqlParam,
  SqlQueryable,
  SqlRow,
} from '@cache/sql';
import type { Pool as PromisePool } from 'mysql2/promise';
import type { StatementRegistry, StatementTimeouts } from '@cache/sql';

type Callback = (error: Error | null, result?: unknown) => void;

/**
 * The part of a mysql2 core (callback) pooled connection the executor uses.
 * Callback calls skip the promise wrapper's per-call stack capture.
 */
interface CoreConnection {
  execute(sql: string, values: unknown[], callback: Callback): unknown;
  query(sql: string, callback: Callback): unknown;
  unprepare(sql: string): unknown;
  release(): void;
  destroy(): void;
}

/** The part of a mysql2 core pool the executor uses. */
interface CorePool {
  getConnection(callback: (error: Error | null, connection: CoreConnection) => void): void;
}

/** A statement (or the wait for a connection) that missed its deadline. */
export class MysqlTimeoutError extends Error {
  /** Node-style code, as mysql2 uses for its own timeouts. */
  readonly code = 'ETIMEDOUT';

  /** @param what - what did not finish; @param ms - the deadline */
  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${ms} ms`);
    this.name = 'MysqlTimeoutError';
  }
}

/**
 * The {@link SqlExecutor} of `@cache/mysql`: runs `@cache/sql`'s statements on a
 * mysql2 pool.
 *
 * - Fixed statement texts run with `execute` (server-side prepared, cached per
 *   connection by mysql2); one-off texts (`setMany` batch sizes) are prepared,
 *   executed and closed again, so they never pile up on the server
 *   (`max_prepared_stmt_count`); statements without parameters (DDL,
 *   transaction control) use the text protocol. Every value is bound, never
 *   interpolated.
 * - Each call checks a connection out, runs, and returns it. A deadline covers
 *   the wait for a connection and the statement; when it passes, the connection
 *   is destroyed (it may be stuck mid-statement) instead of being pooled again.
 *   A connection that failed fatally (killed, reset) is dropped by mysql2 itself.
 * - `transaction` runs `START TRANSACTION … COMMIT` on one connection, rolls back
 *   on failure, and destroys the connection when it cannot be rolled back.
 * - An aborted signal is honoured before each statement; a statement already
 *   sent runs to completion (or to its deadline).
 */
export class MysqlExecutor implements SqlExecutor {
  readonly #pool: CorePool;
  readonly #registry: StatementRegistry;
  readonly #timeouts: StatementTimeouts;

  /**
   * @param pool - a `mysql2/promise` pool (its callback pool is used underneath)
   * @param registry - fixed and maintenance statement texts
   * @param timeouts - per-statement deadlines
   */
  constructor(pool: PromisePool, registry: StatementRegistry, timeouts: StatementTimeouts) {
    this.#pool = pool.pool as unknown as CorePool;
    this.#registry = registry;
    this.#timeouts = timeouts;
  }

  /** @inheritDoc */
  async query(
    sql: string,
    params: readonly SqlParam[],
    options?: SqlCallOptions,
  ): Promise<readonly SqlRow[]> {
    return (await this.#onPool(sql, params, options)) as SqlRow[];
  }

  /** @inheritDoc */
  async execute(
    sql: string,
    params: readonly SqlParam[],
    options?: SqlCallOptions,
  ): Promise<SqlExecuteResult> {
    return affected(await this.#onPool(sql, params, options));
  }

  /** @inheritDoc */
  async transaction<T>(work: (tx: SqlQueryable) => Promise<T>, options?: SqlCallOptions): Promise<T> {
    options?.signal?.throwIfAborted();
    const connection = await this.#acquire(this.#timeouts.queryTimeoutMs);
    const tx: SqlQueryable = {
      query: async (sql, params, callOptions) =>
        (await this.#runOn(
          connection,
          sql,
          params,
          callOptions,
          this.#registry.timeoutOf(sql, this.#timeouts),
        )) as SqlRow[],
      execute: async (sql, params, callOptions) =>
        affected(
          await this.#runOn(
            connection,
            sql,
            params,
            callOptions,
            this.#registry.timeoutOf(sql, this.#timeouts),
          ),
        ),
    };
    try {
      await tx.execute('START TRANSACTION', []);
      const result = await work(tx);
      await tx.execute('COMMIT', []);
      connection.release();
      return result;
    } catch (error) {
      try {
        await tx.execute('ROLLBACK', []);
        connection.release();
      } catch {
        // The connection's state is unknown (or it is gone): never pool it again.
        connection.destroy();
      }
      throw error;
    }
  }

  /** One statement on a connection of its own, within one deadline. */
  async #onPool(
    sql: string,
    params: readonly SqlParam[],
    options: SqlCallOptions | undefined,
  ): Promise<unknown> {
    options?.signal?.throwIfAborted();
    const timeoutMs = this.#registry.timeoutOf(sql, this.#timeouts);
    const started = timeoutMs > 0 ? performance.now() : 0;
    const connection = await this.#acquire(timeoutMs);
    const left = timeoutMs > 0 ? Math.max(1, Math.ceil(timeoutMs - (performance.now() - started))) : 0;
    try {
      return await this.#runOn(connection, sql, params, options, left);
    } finally {
      // A no-op when the connection was destroyed or mysql2 dropped it after a fatal error.
      connection.release();
    }
  }

  /** A pooled connection; rejects after `timeoutMs` (a connection arriving later goes back to the pool). */
  #acquire(timeoutMs: number): Promise<CoreConnection> {
    return settleWithin<CoreConnection>(
      timeoutMs,
      () => new MysqlTimeoutError('waiting for a pooled mysql connection', timeoutMs),
      (done) => this.#pool.getConnection(done),
      (connection) => connection.release(),
    );
  }

  /** Runs one statement on `connection`; past `timeoutMs` the connection is destroyed. */
  #runOn(
    connection: CoreConnection,
    sql: string,
    params: readonly SqlParam[],
    options: SqlCallOptions | undefined,
    timeoutMs: number,
  ): Promise<unknown> {
    options?.signal?.throwIfAborted();
    return settleWithin<unknown>(
      timeoutMs,
      () => {
        // The connection may be stuck mid-statement: never pool it again.
        connection.destroy();
        return new MysqlTimeoutError('mysql statement', timeoutMs);
      },
      (done) => {
        if (params.length === 0) {
          connection.query(sql, done);
        } else if (this.#registry.isFixed(sql)) {
          connection.execute(sql, params.map(toDriverValue), done);
        } else {
          connection.execute(sql, params.map(toDriverValue), (error, result) => {
            connection.unprepare(sql);
            done(error, result);
          });
        }
      },
    );
  }
}

/**
 * Starts a callback-style call and settles with its outcome, or with
 * `onTimeout()`'s error once `timeoutMs` (`0` = never) passes first. A success
 * arriving after the timeout goes to `late` (to hand back what it acquired); a
 * synchronous throw from `start` (mysql2 validates parameters that way) rejects.
 */
function settleWithin<T>(
  timeoutMs: number,
  onTimeout: () => Error,
  start: (done: (error: Error | null, result?: T) => void) => void,
  late?: (result: T) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            settled = true;
            reject(onTimeout());
          }, timeoutMs)
        : undefined;
    const done = (error: Error | null, result?: T): void => {
      if (settled) {
        if (error === null) late?.(result as T);
        return;
      }
      settled = true;
      clearTimeout(timer);
      if (error !== null) reject(error);
      else resolve(result as T);
    };
    try {
      start(done);
    } catch (error) {
      done(error as Error);
    }
  });
}

/**
 * Bytes as a `Buffer` view (no copy): mysql2 binds a `Buffer` as a BLOB
 * parameter, so the server never applies a character set to it.
 */
function toDriverValue(param: SqlParam): unknown {
  if (param instanceof Uint8Array && !Buffer.isBuffer(param)) {
    return Buffer.from(param.buffer, param.byteOffset, param.byteLength);
  }
  return param;
}

function affected(result: unknown): SqlExecuteResult {
  const header = result as { affectedRows?: unknown };
  return { affectedRows: typeof header.affectedRows === 'number' ? header.affectedRows : 0 };
}
