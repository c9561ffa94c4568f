import { createHash } from 'node:crypto';
import { DeadlineQueue } from '@cache/core';
import type {
  SqlCallOptions,
  SqlExecuteResult,
  SqlExecutor,
  SqlParam,
  SqlQueryable,
  SqlRow,
  StatementRegistry,
  StatementTimeouts,
} from '@cache/sql/internal';
import { StatementTimeoutError } from '@cache/sql/internal';
import type { Pool, PoolClient, QueryConfig, QueryResult } from 'pg';
import type { PipelinedLanes } from './pipelined-lanes.js';

/** How a statement's answer is handed back: its rows, or its affected-row count. */
type Shape<T> = (result: QueryResult) => T;

/** The timeouts of one class of statements: the deadline queue, or none (`0`). */
interface Deadline {
  readonly queue: DeadlineQueue | undefined;
  readonly ms: number;
}

/**
 * The {@link "@cache/sql"!SqlExecutor | SqlExecutor} of `@cache/postgres`: runs `@cache/sql`'s statements on
 * pg.
 *
 * - Every statement is parameterised (`$1`, …); fixed texts run as named
 *   prepared statements (parsed once per connection), one-off texts unnamed.
 * - With `lanes` (pipelining, see {@link PipelinedLanes}), single data statements
 *   are pipelined over a few long-lived connections; otherwise, and always for
 *   maintenance statements (`flush`, `prune`, DDL) and transactions, a client is
 *   checked out of the pool per statement. On any error, including a timeout, a
 *   pooled client is discarded instead of reused.
 * - One deadline mechanism per call: a {@link DeadlineQueue} (one unref'd timer
 *   for all statements sharing a timeout), covering the wait for a client and the
 *   statement. A statement without an answer in time rejects with
 *   `StatementTimeoutError`, and its connection is closed (with a pipeline, the
 *   statements behind it on that connection fail with it).
 * - `transaction` runs `BEGIN … COMMIT` on one client, listening for its `error`
 *   event meanwhile, and discards the client when it could not be rolled back cleanly.
 * - An aborted signal is honoured before each statement; a statement already
 *   sent runs to completion (or to its deadline).
 */
export class PgExecutor implements SqlExecutor {
  readonly #pool: Pool;
  readonly #registry: StatementRegistry;
  readonly #lanes: PipelinedLanes | undefined;
  readonly #data: Deadline;
  readonly #maintenance: Deadline;
  /** Prepared-statement names of the fixed texts seen so far. */
  readonly #names = new Map<string, string | undefined>();

  /**
   * @param pool - the pg pool (transactions, maintenance, and everything when not pipelining)
   * @param registry - fixed and maintenance statement texts
   * @param timeouts - per-statement deadlines
   * @param lanes - pipelined connections for single data statements, if any
   */
  constructor(pool: Pool, registry: StatementRegistry, timeouts: StatementTimeouts, lanes?: PipelinedLanes) {
    this.#pool = pool;
    this.#registry = registry;
    this.#lanes = lanes;
    this.#data = deadline(timeouts.queryTimeoutMs);
    this.#maintenance = deadline(timeouts.maintenanceTimeoutMs);
  }

  /** @inheritDoc */
  query(sql: string, params: readonly SqlParam[], options?: SqlCallOptions): Promise<readonly SqlRow[]> {
    return this.#run(sql, params, options, rowsOf);
  }

  /** @inheritDoc */
  execute(sql: string, params: readonly SqlParam[], options?: SqlCallOptions): Promise<SqlExecuteResult> {
    return this.#run(sql, params, options, affectedRowsOf);
  }

  /** @inheritDoc */
  async transaction<T>(work: (tx: SqlQueryable) => Promise<T>, options?: SqlCallOptions): Promise<T> {
    options?.signal?.throwIfAborted();
    const client = await this.#checkout();
    // Set when the client must not be pooled again: it failed, or a statement timed out on it.
    let broken: Error | undefined;
    const onError = (error: Error): void => {
      broken = error;
    };
    client.on('error', onError);
    const run = <R>(sql: string, params: readonly SqlParam[], shape: Shape<R>, call?: SqlCallOptions) => {
      call?.signal?.throwIfAborted();
      const timed = this.#deadlineOf(sql);
      const sent = clientQuery<R>(client, this.#config(sql, params), shape);
      return timed.queue === undefined
        ? sent
        : timed.queue.track(sent, () => {
            broken = new StatementTimeoutError('postgres statement', timed.ms);
            return broken;
          });
    };
    const tx: SqlQueryable = {
      query: (sql, params, call) => run(sql, params, rowsOf, call),
      execute: (sql, params, call) => run(sql, params, affectedRowsOf, call),
    };
    try {
      await tx.execute('BEGIN', []);
      const result = await work(tx);
      await tx.execute('COMMIT', []);
      return result;
    } catch (error) {
      if (broken === undefined) {
        // Without a clean ROLLBACK the connection's state is unknown: discard it.
        await tx.execute('ROLLBACK', []).catch((rollbackError: Error) => {
          broken = rollbackError;
        });
      }
      throw error;
    } finally {
      client.off('error', onError);
      // release(error) makes pg destroy the client (a stuck statement with it) instead of pooling it.
      client.release(broken);
    }
  }

  /** One statement outside a transaction: pipelined, or on a client checked out for it. */
  #run<T>(
    sql: string,
    params: readonly SqlParam[],
    options: SqlCallOptions | undefined,
    shape: Shape<T>,
  ): Promise<T> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const config = this.#config(sql, params);
    const lanes = this.#lanes;
    if (lanes !== undefined && !this.#registry.isMaintenance(sql)) {
      return this.#onLane(lanes, config, shape);
    }
    return this.#onPool(config, this.#deadlineOf(sql), shape);
  }

  #onLane<T>(lanes: PipelinedLanes, config: QueryConfig, shape: Shape<T>): Promise<T> {
    const { queue, ms } = this.#data;
    let client: ReturnType<PipelinedLanes['send']> | undefined;
    const sent = new Promise<T>((resolve, reject) => {
      client = lanes.send(config, (error, result) => {
        if (error) reject(error);
        else resolve(shape(result as QueryResult));
      });
    });
    if (queue === undefined) return sent;
    return queue.track(sent, () => {
      if (client !== undefined) lanes.abandon(client);
      return new StatementTimeoutError('postgres statement', ms);
    });
  }

  /** Checks a client out, runs one statement on it, releases it (discarding it on any error). */
  #onPool<T>(config: QueryConfig, timed: Deadline, shape: Shape<T>): Promise<T> {
    // The release of the checked-out client, until it is released (once).
    let release: ((error?: Error) => void) | undefined;
    let abandoned = false;
    const sent = new Promise<T>((resolve, reject) => {
      this.#pool.connect((error, client, done) => {
        if (error !== undefined && error !== null) {
          reject(error);
          return;
        }
        // A client arriving after the deadline goes straight back to the pool.
        if (abandoned) return done();
        release = done;
        (client as PoolClient).query(config, (queryError: Error | null, result: QueryResult) => {
          const ownRelease = release;
          release = undefined;
          ownRelease?.(queryError ?? undefined);
          if (queryError) reject(queryError);
          else resolve(shape(result));
        });
      });
    });
    if (timed.queue === undefined) return sent;
    return timed.queue.track(sent, () => {
      abandoned = true;
      const error = new StatementTimeoutError('postgres statement', timed.ms);
      const ownRelease = release;
      release = undefined;
      // Still running: discard the client (pg closes its connection) rather than pool it.
      ownRelease?.(error);
      return error;
    });
  }

  /** A pooled client for a transaction, within the data deadline (a late one is released). */
  #checkout(): Promise<PoolClient> {
    const { queue, ms } = this.#data;
    let abandoned = false;
    const checkout = this.#pool.connect().then((client) => {
      if (abandoned) client.release();
      return client;
    });
    if (queue === undefined) return checkout;
    return queue.track(checkout, () => {
      abandoned = true;
      return new StatementTimeoutError('waiting for a pooled postgres connection', ms);
    });
  }

  #deadlineOf(sql: string): Deadline {
    return this.#registry.isMaintenance(sql) ? this.#maintenance : this.#data;
  }

  #config(sql: string, params: readonly SqlParam[]): QueryConfig {
    let name = this.#names.get(sql);
    if (name === undefined && !this.#names.has(sql)) {
      // Fixed texts are prepared under a name derived from the text; one-off texts
      // (at most a few hundred setMany sizes) run unnamed.
      name = this.#registry.isFixed(sql) ? statementName(sql) : undefined;
      this.#names.set(sql, name);
    }
    // Always the same shape: pg reads an absent name as "unnamed".
    return { name, text: sql, values: params as SqlParam[] };
  }
}

function deadline(ms: number): Deadline {
  return { queue: ms > 0 ? new DeadlineQueue(ms) : undefined, ms };
}

function clientQuery<T>(client: PoolClient, config: QueryConfig, shape: Shape<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    client.query(config, (error: Error | null, result: QueryResult) => {
      if (error) reject(error);
      else resolve(shape(result));
    });
  });
}

/**
 * A name derived from the text, so that two stores (or two processes) never give
 * one name two texts on the same connection, which pg would reject.
 */
function statementName(text: string): string {
  return `cache_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
}

function rowsOf(result: QueryResult): readonly SqlRow[] {
  return result.rows as SqlRow[];
}

function affectedRowsOf(result: QueryResult): SqlExecuteResult {
  return { affectedRows: result.rowCount ?? 0 };
}
