import { ConfigError } from '@cache/core';
import { createPostgresDialect, resolveMaxValueBytes, resolveSqlTableOptions, SqlStore } from '@cache/sql';
import pg, { type Pool } from 'pg';
import { type PostgresStoreOptions, resolveConnection } from './options.js';
import { PgExecutor } from './pg-executor.js';
import { StatementRegistry } from '@cache/sql';

/**
 * A PostgreSQL cache store on [pg](https://node-postgres.com): a thin wrapper that
 * gives `@cache/sql`'s {@link SqlStore} (schema, statements, expiry, atomic `add`
 * and `increment`, batching, pruning, error wrapping) a pg pool to run on.
 *
 * ```ts
 * const store = new PostgresStore({ connectionString: 'postgres://app@db/app', prefix: 'app' });
 * const cache = new Cache({ store });
 * ```
 *
 * - `add` and `increment` are single atomic statements (`INSERT … ON CONFLICT …
 *   DO UPDATE … WHERE`), safe across processes.
 * - With `connectionString` (or neither option) the store creates the pool, owns
 *   it and ends it on `close()`; an injected `pool` is never ended.
 * - Driver errors reject as `StoreError` (`code: 'CACHE_STORE_ERROR'`, the pg
 *   error as `cause`).
 *
 * See the package README for the options, the table schema and the pool defaults.
 */
export class PostgresStore extends SqlStore {
  /** The pg pool the store runs on (created by the store, or the injected one). */
  readonly pool: Pool;
  /** Whether the store created {@link PostgresStore.pool} and ends it on `close()`. */
  readonly ownsPool: boolean;

  /**
   * @param options - pool or connection string, table, prefix, timeouts; see {@link PostgresStoreOptions}
   * @throws `ConfigError` for invalid options, before any connection is opened
   */
  constructor(options: PostgresStoreOptions = {}) {
    const setup = setUp(options);
    super({
      ...options,
      dialect: setup.dialect,
      executor: setup.executor,
      onClose: setup.close,
    });
    this.pool = setup.pool;
    this.ownsPool = setup.owned;
    setup.registry.register(this.statements);
  }
}

/** Everything the store needs before `super()`: validated options, the pool, the executor. */
function setUp(options: PostgresStoreOptions) {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('PostgresStore options must be an object');
  }
  if (options.unlogged !== undefined && typeof options.unlogged !== 'boolean') {
    throw new ConfigError('unlogged must be a boolean');
  }
  const connection = resolveConnection(options);
  const dialect = createPostgresDialect({ unlogged: options.unlogged === true });
  // Validate everything SqlStore would reject before a pool (and its sockets) exists.
  resolveSqlTableOptions(options);
  resolveMaxValueBytes(options.maxValueBytes, dialect.maxValueBytes);

  const owned = connection.pool === undefined;
  const pool = connection.pool ?? new pg.Pool(connection.poolConfig);
  const onPoolError = options.onPoolError;
  // An idle client whose backend went away is reported as the pool's 'error'
  // event; unheard, Node turns it into an uncaught exception. pg has already
  // dropped that client, so there is nothing else to do.
  const listener = (error: Error): void => onPoolError?.(error);
  const listening = owned || onPoolError !== undefined;
  if (listening) pool.on('error', listener);

  const registry = new StatementRegistry();
  const executor = new PgExecutor(pool, registry, connection);
  const close = async (): Promise<void> => {
    if (!owned) {
      if (listening) pool.off('error', listener);
      return;
    }
    // The listener stays: a client failing while the pool drains must not crash the process.
    await pool.end();
  };
  return { dialect, pool, owned, registry, executor, close };
}
