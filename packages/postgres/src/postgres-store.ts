import { ConfigError } from '@cache/core';
import {
  createPostgresDialect,
  resolveMaxValueBytes,
  resolveSqlTableOptions,
  SqlStore,
} from '@cache/sql/internal';
import pg, { type ClientConfig, type Pool, type PoolConfig } from 'pg';
import { type PostgresStoreOptions, resolveConnection } from './options.js';
import { PgExecutor } from './pg-executor.js';
import { PipelinedLanes } from './pipelined-lanes.js';
import { StatementRegistry } from '@cache/sql/internal';

/**
 * A PostgreSQL cache store on [pg](https://node-postgres.com): a thin wrapper that
 * gives `@cache/sql`'s {@link "@cache/sql"!SqlStore | SqlStore} (schema, statements, expiry, atomic `add`
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
 *   it and ends it on `close()`, once every call in flight has settled; an
 *   injected `pool` is never ended. Calls after `close()` reject with
 *   `StoreClosedError` at once.
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
  /** Connections single statements are pipelined over; `0` when pipelining is off. */
  readonly pipelineConnections: number;

  /**
   * @param options - pool or connection string, table, prefix (required), timeouts; see {@link PostgresStoreOptions}
   * @throws `ConfigError` for invalid options (a missing prefix, a renamed
   *   option among them), before any connection is opened
   */
  constructor(options: PostgresStoreOptions) {
    const setup = setUp(options);
    super({
      ...options,
      coalesce: options.coalesce ?? true,
      dialect: setup.dialect,
      executor: setup.executor,
      onClose: setup.close,
    });
    this.pool = setup.pool;
    this.ownsPool = setup.owned;
    this.pipelineConnections = setup.pipeline;
    setup.registry.register(this.statements);
  }
}

/** Everything the store needs before `super()`: validated options, the pool, the executor. */
function setUp(options: PostgresStoreOptions | undefined) {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('PostgresStore options must be an object');
  }
  if (options.unlogged !== undefined && typeof options.unlogged !== 'boolean') {
    throw new ConfigError('unlogged must be a boolean');
  }
  const connection = resolveConnection(options);
  const dialect = createPostgresDialect({ unlogged: options.unlogged === true });
  // Validate everything SqlStore would reject before a pool (and its sockets) exists.
  // The table may be shared by other services: an explicit prefix is required.
  resolveSqlTableOptions(options, { driver: 'PostgresStore', required: true });
  resolveMaxValueBytes(options.maxValueBytes, dialect.maxValueBytes);

  const owned = connection.pool === undefined;
  const pool = connection.pool ?? new pg.Pool(connection.poolConfig);
  const onBackgroundError = options.onBackgroundError;
  // An idle client whose backend went away is reported as the pool's 'error'
  // event; unheard, Node turns it into an uncaught exception. pg has already
  // dropped that client, so there is nothing else to do.
  const listener = (error: Error): void => {
    try {
      onBackgroundError?.(error);
    } catch {
      // A throwing handler inside an event emitter would crash the process.
    }
  };
  const listening = owned || onBackgroundError !== undefined;
  if (listening) pool.on('error', listener);

  const registry = new StatementRegistry();
  const lanes = connection.pipeline > 0 ? pipelinedLanes(pool, connection.pipeline, listener) : undefined;
  const executor = new PgExecutor(pool, registry, connection, lanes);
  // Runs once every call in flight has settled (SqlStore's lifecycle): ending the
  // pool earlier would strand calls still queued for a client.
  const close = async (): Promise<void> => {
    await lanes?.close();
    if (!owned) {
      if (listening) pool.off('error', listener);
      return;
    }
    // The listener stays: a client failing while the pool drains must not crash the process.
    await pool.end();
  };
  return { dialect, pool, owned, registry, executor, pipeline: connection.pipeline, close };
}

/** pg-pool keeps its settings and its client class on the pool (not in @types/pg). */
interface PoolInternals {
  readonly options: PoolConfig;
  readonly Client?: new (config: ClientConfig) => pg.Client;
}

/**
 * Pipelined connections opened like the pool's own clients (same settings and
 * client class, which is what pg-pool does), in pipeline mode.
 */
function pipelinedLanes(pool: Pool, connections: number, onBackgroundError: (error: Error) => void) {
  const internals = pool as unknown as PoolInternals;
  const config = internals.options;
  const ClientClass = internals.Client ?? pg.Client;
  return new PipelinedLanes({
    connections,
    createClient: () => new ClientClass({ ...config, pipeline: true }),
    // pg-pool's default idle timeout is 10 s; 0 keeps idle clients forever.
    idleTimeoutMs: config.idleTimeoutMillis ?? 10_000,
    onBackgroundError,
  });
}
