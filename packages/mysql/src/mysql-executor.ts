import type {
  SqlCallOptions,
  SqlExecuteResult,
  SqlExecutor,
  SqlParam,
  SqlQueryable,
  SqlRow,
} from '@cache/sql/internal';
import { DeadlineQueue } from '@cache/core';
import { StatementTimeoutError, type StatementRegistry, type StatementTimeouts } from '@cache/sql/internal';
import type { Pool as PromisePool } from 'mysql2/promise';

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
export class MysqlTimeoutError extends StatementTimeoutError {
  /** @param what - what did not finish; @param ms - the deadline */
  constructor(what: string, ms: number) {
    super(what, ms);
    this.name = 'MysqlTimeoutError';
  }
}

/** The timeout of one class of statements: its deadline queue, or none (`0`). */
interface Deadline {
  readonly queue: DeadlineQueue | undefined;
  readonly ms: number;
}

/**
 * The {@link "@cache/sql"!SqlExecutor | SqlExecutor} of `@cache/mysql`: runs `@cache/sql`'s statements on a
 * mysql2 pool.
 *
 * - Fixed statement texts run with `execute` (server-side prepared, cached per
 *   connection by mysql2); one-off texts (`setMany` batch sizes) are prepared,
 *   executed and closed again, so they never pile up on the server
 *   (`max_prepared_stmt_count`); statements without parameters (DDL,
 *   transaction control) use the text protocol. Every value is bound, never
 *   interpolated.
 * - Each call checks a connection out, runs, and returns it. One deadline per
 *   call covers the wait for a connection and the statement: a
 *   {@link DeadlineQueue} (one unref'd timer for every call sharing a timeout,
 *   no timer per call). When it passes, the connection is destroyed (it may be
 *   stuck mid-statement) instead of being pooled again, and a connection that
 *   arrives later goes back to the pool. A connection that failed fatally
 *   (killed, reset) is dropped by mysql2 itself.
 * - `transaction` runs `START TRANSACTION … COMMIT` on one connection, rolls back
 *   on failure, and destroys the connection when it cannot be rolled back.
 * - An aborted signal is honoured before each statement; a statement already
 *   sent runs to completion (or to its deadline).
 */
export class MysqlExecutor implements SqlExecutor {
  readonly #pool: CorePool;
  readonly #registry: StatementRegistry;
  readonly #data: Deadline;
  readonly #maintenance: Deadline;

  /**
   * @param pool - a `mysql2/promise` pool (its callback pool is used underneath)
   * @param registry - fixed and maintenance statement texts
   * @param timeouts - per-statement deadlines
   */
  constructor(pool: PromisePool, registry: StatementRegistry, timeouts: StatementTimeouts) {
    this.#pool = pool.pool as unknown as CorePool;
    this.#registry = registry;
    this.#data = deadline(timeouts.queryTimeoutMs);
    this.#maintenance = deadline(timeouts.maintenanceTimeoutMs);
  }

  /** @inheritDoc */
  query(sql: string, params: readonly SqlParam[], options?: SqlCallOptions): Promise<readonly SqlRow[]> {
    return this.#onPool(sql, params, options) as Promise<SqlRow[]>;
  }

  /** @inheritDoc */
  execute(sql: string, params: readonly SqlParam[], options?: SqlCallOptions): Promise<SqlExecuteResult> {
    return this.#onPool(sql, params, options).then(affected);
  }

  /** @inheritDoc */
  async transaction<T>(work: (tx: SqlQueryable) => Promise<T>, options?: SqlCallOptions): Promise<T> {
    options?.signal?.throwIfAborted();
    const connection = await this.#acquire();
    // Set once a statement timed out: the connection was destroyed, never pool it again.
    let destroyed = false;
    const run = (sql: string, params: readonly SqlParam[], call: SqlCallOptions | undefined) => {
      call?.signal?.throwIfAborted();
      const timed = this.#deadlineOf(sql);
      const sent = new Promise<unknown>((resolve, reject) => {
        this.#start(connection, sql, params, (error, result) => (error ? reject(error) : resolve(result)));
      });
      if (timed.queue === undefined) return sent;
      return timed.queue.track(sent, () => {
        destroyed = true;
        connection.destroy();
        return new MysqlTimeoutError('mysql statement', timed.ms);
      });
    };
    const tx: SqlQueryable = {
      query: async (sql, params, call) => (await run(sql, params, call)) as SqlRow[],
      execute: async (sql, params, call) => affected(await run(sql, params, call)),
    };
    try {
      await tx.execute('START TRANSACTION', []);
      const result = await work(tx);
      await tx.execute('COMMIT', []);
      connection.release();
      return result;
    } catch (error) {
      if (destroyed) throw error;
      try {
        await tx.execute('ROLLBACK', []);
        connection.release();
      } catch {
        // The connection's state is unknown (or it is gone): never pool it again.
        if (!destroyed) connection.destroy();
      }
      throw error;
    }
  }

  /** One statement on a connection of its own, within one deadline. */
  #onPool(sql: string, params: readonly SqlParam[], options: SqlCallOptions | undefined): Promise<unknown> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const timed = this.#deadlineOf(sql);
    // The connection while the statement runs on it; cleared once it is released or destroyed.
    let holding: CoreConnection | undefined;
    let abandoned = false;
    const sent = new Promise<unknown>((resolve, reject) => {
      this.#pool.getConnection((error, connection) => {
        if (error) return reject(error);
        if (abandoned) return connection.release();
        holding = connection;
        this.#start(connection, sql, params, (statementError, result) => {
          // Destroyed at the deadline: the caller already has its timeout error.
          if (holding === undefined) return;
          holding = undefined;
          // A no-op when mysql2 dropped the connection after a fatal error.
          connection.release();
          if (statementError) reject(statementError);
          else resolve(result);
        });
      });
    });
    if (timed.queue === undefined) return sent;
    return timed.queue.track(sent, () => {
      abandoned = true;
      const connection = holding;
      holding = undefined;
      // The connection may be stuck mid-statement: never pool it again.
      connection?.destroy();
      return connection === undefined
        ? new MysqlTimeoutError('waiting for a pooled mysql connection', timed.ms)
        : new MysqlTimeoutError('mysql statement', timed.ms);
    });
  }

  /** A pooled connection within the data deadline (one arriving later goes back to the pool). */
  #acquire(): Promise<CoreConnection> {
    const { queue, ms } = this.#data;
    let abandoned = false;
    const acquired = new Promise<CoreConnection>((resolve, reject) => {
      this.#pool.getConnection((error, connection) => {
        if (error) return reject(error);
        if (abandoned) return connection.release();
        resolve(connection);
      });
    });
    if (queue === undefined) return acquired;
    return queue.track(acquired, () => {
      abandoned = true;
      return new MysqlTimeoutError('waiting for a pooled mysql connection', ms);
    });
  }

  /** Starts one statement on `connection`; `done` is called once (a synchronous throw included). */
  #start(connection: CoreConnection, sql: string, params: readonly SqlParam[], done: Callback): void {
    try {
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
    } catch (error) {
      // mysql2 validates parameters synchronously.
      done(error as Error);
    }
  }

  #deadlineOf(sql: string): Deadline {
    return this.#registry.isMaintenance(sql) ? this.#maintenance : this.#data;
  }
}

function deadline(ms: number): Deadline {
  return { queue: ms > 0 ? new DeadlineQueue(ms) : undefined, ms };
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
