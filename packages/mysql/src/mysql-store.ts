import { ConfigError } from '@cache/core';
import { createMysqlDialect, resolveSqlTableOptions, SqlStore } from '@cache/sql/internal';
import mysql, { type Pool as PromisePool } from 'mysql2/promise';
import { MysqlExecutor } from './mysql-executor.js';
import { type MysqlStoreOptions, resolveConnection } from './options.js';
import { StatementRegistry } from '@cache/sql/internal';

/**
 * A MySQL / MariaDB cache store on [mysql2](https://sidorares.github.io/node-mysql2/):
 * a thin wrapper that gives `@cache/sql`'s {@link "@cache/sql"!SqlStore | SqlStore} (schema, statements,
 * expiry, atomic `add` and `increment`, batching, pruning, error wrapping) a
 * mysql2 pool to run on.
 *
 * ```ts
 * const store = new MysqlStore({ uri: 'mysql://app@db:3306/app', prefix: 'app' });
 * const cache = new Cache({ store });
 * ```
 *
 * - `add` is an atomic two-step (take over an expired row, else insert; the
 *   primary key lets one concurrent inserter win); `increment` is a short
 *   locking transaction, retried on deadlock. Both are safe across processes.
 * - With `uri` (or neither option) the store creates the pool, owns it and ends
 *   it on `close()`, once every call in flight has settled; an injected `pool`
 *   is never ended. Calls after `close()` reject with `StoreClosedError` at once.
 * - Driver errors reject as `StoreError` (`code: 'CACHE_STORE_ERROR'`, the mysql2
 *   error as `cause`).
 *
 * See the package README for the options, the table schema and the pool defaults.
 */
export class MysqlStore extends SqlStore {
  /** The mysql2 promise pool the store runs on (created by the store, or the injected one). */
  readonly pool: PromisePool;
  /** Whether the store created {@link MysqlStore.pool} and ends it on `close()`. */
  readonly ownsPool: boolean;

  /**
   * @param options - pool or URI, table, prefix (required), timeouts; see {@link MysqlStoreOptions}
   * @throws `ConfigError` for invalid options (a missing prefix, a renamed
   *   option among them), before any connection is opened
   */
  constructor(options: MysqlStoreOptions) {
    const setup = setUp(options);
    super({
      ...options,
      // The cap lives in the dialect: MySQL's may be raised along with max_allowed_packet.
      maxValueBytes: undefined,
      coalesce: options.coalesce ?? true,
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
function setUp(options: MysqlStoreOptions | undefined) {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('MysqlStore options must be an object');
  }
  const connection = resolveConnection(options);
  const dialect = createMysqlDialect(
    options.maxValueBytes === undefined ? {} : { maxValueBytes: options.maxValueBytes },
  );
  // Validate everything SqlStore would reject before a pool exists.
  // The table may be shared by other services: an explicit prefix is required.
  resolveSqlTableOptions(options, { driver: 'MysqlStore', required: true });

  const owned = connection.pool === undefined;
  const pool = connection.pool ?? mysql.createPool(connection.poolOptions);
  const registry = new StatementRegistry();
  const executor = new MysqlExecutor(pool, registry, connection);
  // Runs once every call in flight has settled (SqlStore's lifecycle): ending the
  // pool earlier would fail calls still queued for a connection with "Pool is closed".
  const close = async (): Promise<void> => {
    if (owned) await pool.end();
  };
  return { dialect, pool, owned, registry, executor, close };
}
