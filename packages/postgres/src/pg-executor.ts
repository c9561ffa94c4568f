import { createHash } from 'node:crypto';
import type {
  SqlCallOptions,
  SqlExecuteResult,
  SqlExecutor,
  SqlParam,
  SqlQueryable,
  SqlRow,
} from '@cache/sql';
import type { Pool, PoolClient, QueryConfig, QueryResult } from 'pg';
import type { StatementRegistry, StatementTimeouts } from '@cache/sql';

/** pg reads `query_timeout` from the query config; @types/pg does not declare it there. */
interface TimedQueryConfig extends QueryConfig<SqlParam[]> {
  query_timeout?: number | undefined;
}

/** Something that runs one query: the pool (checks a client out per call) or one checked-out client. */
type Runner = Pick<Pool, 'query'> | Pick<PoolClient, 'query'>;

/**
 * The {@link SqlExecutor} of `@cache/postgres`: runs `@cache/sql`'s statements on
 * a pg `Pool`.
 *
 * - Every statement is parameterised (`$1`, …); fixed texts run as named
 *   prepared statements (parsed once per connection), one-off texts unnamed.
 * - Outside transactions, `pool.query` checks a client out per statement; on any
 *   error (including a timeout) pg discards that client instead of reusing it,
 *   so a terminated backend costs the calls that were on it and nothing more.
 * - `transaction` runs `BEGIN … COMMIT` on one client, listening for its `error`
 *   event meanwhile (a backend terminated between two statements must not
 *   become an unhandled `error` event), and discards the client when the
 *   transaction could not be rolled back cleanly.
 * - An aborted signal is honoured before each statement; a statement already
 *   sent runs to completion (or to its deadline).
 */
export class PgExecutor implements SqlExecutor {
  readonly #pool: Pool;
  readonly #registry: StatementRegistry;
  readonly #timeouts: StatementTimeouts;
  /** Prepared-statement names of the fixed texts seen so far. */
  readonly #names = new Map<string, string>();

  /**
   * @param pool - the pg pool
   * @param registry - fixed and maintenance statement texts
   * @param timeouts - per-statement deadlines
   */
  constructor(pool: Pool, registry: StatementRegistry, timeouts: StatementTimeouts) {
    this.#pool = pool;
    this.#registry = registry;
    this.#timeouts = timeouts;
  }

  /** @inheritDoc */
  query(sql: string, params: readonly SqlParam[], options?: SqlCallOptions): Promise<readonly SqlRow[]> {
    return this.#run(this.#pool, sql, params, options).then(rowsOf);
  }

  /** @inheritDoc */
  execute(sql: string, params: readonly SqlParam[], options?: SqlCallOptions): Promise<SqlExecuteResult> {
    return this.#run(this.#pool, sql, params, options).then(affectedRowsOf);
  }

  /** @inheritDoc */
  async transaction<T>(work: (tx: SqlQueryable) => Promise<T>, options?: SqlCallOptions): Promise<T> {
    options?.signal?.throwIfAborted();
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    const onError = (error: Error): void => {
      broken = error;
    };
    client.on('error', onError);
    const tx = this.#queryable(client);
    try {
      await tx.execute('BEGIN', [], options);
      const result = await work(tx);
      await tx.execute('COMMIT', [], options);
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
      // release(error) makes pg destroy the client instead of pooling it.
      client.release(broken);
    }
  }

  /** The same statements on one checked-out client (inside a transaction). */
  #queryable(client: PoolClient): SqlQueryable {
    return {
      query: (sql, params, options) => this.#run(client, sql, params, options).then(rowsOf),
      execute: (sql, params, options) => this.#run(client, sql, params, options).then(affectedRowsOf),
    };
  }

  /** Hot path of every call: no async frames of its own, one config object per statement. */
  #run(
    runner: Runner,
    sql: string,
    params: readonly SqlParam[],
    options: SqlCallOptions | undefined,
  ): Promise<QueryResult<SqlRow>> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return runner.query(this.#config(sql, params)) as Promise<QueryResult<SqlRow>>;
  }

  /** The prepared-statement name of a fixed text; `undefined` (unnamed, parsed per call) for a one-off text. */
  #nameOf(sql: string): string | undefined {
    let name = this.#names.get(sql);
    if (name === undefined && this.#registry.isFixed(sql)) {
      name = statementName(sql);
      this.#names.set(sql, name);
    }
    return name;
  }

  #config(sql: string, params: readonly SqlParam[]): TimedQueryConfig {
    const timeout = this.#registry.timeoutOf(sql, this.#timeouts);
    // Always the same shape: pg reads an absent name as "unnamed" and an absent
    // query_timeout as "the client's own setting".
    return {
      name: this.#nameOf(sql),
      text: sql,
      values: params as SqlParam[],
      query_timeout: timeout > 0 ? timeout : undefined,
    };
  }
}

/**
 * A name derived from the text, so that two stores (or two processes) never give
 * one name two texts on the same connection, which pg would reject.
 */
function statementName(text: string): string {
  return `cache_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
}

function rowsOf(result: QueryResult<SqlRow>): readonly SqlRow[] {
  return result.rows;
}

function affectedRowsOf(result: QueryResult<SqlRow>): SqlExecuteResult {
  return { affectedRows: result.rowCount ?? 0 };
}
