import type { DynamoDBClient, DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import {
  assertNoRenamedOptions,
  ConfigError,
  type Duration,
  resolveDurationOption,
  resolvePrefix,
} from '@cache/core';

/** Options of {@link DynamoStore}. */
export interface DynamoStoreOptions {
  /**
   * An existing client. The caller owns it: `close()` never destroys it. When
   * absent, the store creates a client from `region`, `endpoint`,
   * `credentials` and `clientConfig`, and destroys it on `close()`.
   */
  readonly client?: DynamoDBClient | undefined;
  /** AWS region of a client the store creates (default: the SDK's usual resolution). */
  readonly region?: string | undefined;
  /** Endpoint of a client the store creates, e.g. `http://127.0.0.1:4567` for dynalite or DynamoDB Local. */
  readonly endpoint?: string | undefined;
  /** Credentials of a client the store creates (default: the SDK's provider chain). */
  readonly credentials?: DynamoDBClientConfig['credentials'] | undefined;
  /** Any other configuration for a client the store creates; `region`/`endpoint`/`credentials` above win. */
  readonly clientConfig?: DynamoDBClientConfig | undefined;
  /** Table name (`[a-zA-Z0-9_.-]{3,255}`). Default `'cache_entries'`. */
  readonly table?: string | undefined;
  /**
   * Key prefix, used as the partition key (required: a table may be shared by
   * several services): `flush()` removes exactly this partition. A non-empty,
   * well-formed string, else `ConfigError`.
   */
  readonly prefix: string;
  /**
   * Create the table (on-demand billing) when it does not exist, wait until it is
   * ACTIVE, and try to enable native TTL on the `ttl` attribute. Default `true`.
   * With `false` the store makes no control-plane calls at all.
   */
  readonly createTable?: boolean | undefined;
  /**
   * Strongly consistent reads (`get`, `getMany`, the reads inside `increment`
   * and `flush`). Default `true`: a cache read right after a write from
   * another process must see it. `false` halves read cost but may return a
   * value up to about a second old.
   */
  readonly consistentRead?: boolean | undefined;
  /**
   * Deadline of one single-item operation, all its requests and SDK retries
   * included, in ms or as a string (`'5s'`). Default 5000 ms.
   */
  readonly timeout?: Duration | undefined;
  /**
   * Deadline of a batch operation (`getMany`, `setMany`, `deleteMany`, `flush`)
   * including the retries of unprocessed items (ms or `'30s'`). Default 30,000 ms.
   */
  readonly batchTimeout?: Duration | undefined;
  /** How long to wait for a table this store created to become ACTIVE (ms or `'1m'`). Default 60,000 ms. */
  readonly tableReadyTimeout?: Duration | undefined;
  /** Attempts of a lost optimistic race in `increment` before `ConflictError`. Default 50. */
  readonly maxConflictRetries?: number | undefined;
}

/** {@link DynamoStoreOptions} with defaults applied and validated. */
export interface ResolvedDynamoStoreOptions {
  readonly client: DynamoDBClient | undefined;
  readonly clientConfig: DynamoDBClientConfig;
  readonly table: string;
  readonly prefix: string;
  readonly createTable: boolean;
  readonly consistentRead: boolean;
  readonly timeoutMs: number;
  readonly batchTimeoutMs: number;
  readonly tableReadyTimeoutMs: number;
  readonly maxConflictRetries: number;
}

const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;

/** Option names of earlier versions, and what they are called now. */
const RENAMED_OPTIONS = {
  timeoutMs: 'timeout',
  batchTimeoutMs: 'batchTimeout',
  tableReadyTimeoutMs: 'tableReadyTimeout',
} as const;

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(`DynamoStore ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/**
 * Applies defaults and validates.
 *
 * @throws {@link ConfigError} for a missing or invalid prefix, an invalid table
 *   name, client options next to an injected client, a non-positive number or
 *   duration, or an option name of an earlier version (`timeoutMs`,
 *   `batchTimeoutMs`, `tableReadyTimeoutMs`).
 */
export function resolveDynamoStoreOptions(options: DynamoStoreOptions): ResolvedDynamoStoreOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('DynamoStore needs an options object with at least a prefix');
  }
  assertNoRenamedOptions(options, RENAMED_OPTIONS, 'DynamoStore');
  const prefix = resolvePrefix(options.prefix, { driver: 'DynamoStore', required: true });
  const table = options.table ?? 'cache_entries';
  if (typeof table !== 'string' || !TABLE_NAME.test(table)) {
    throw new ConfigError(
      `DynamoDB table name "${String(table)}" is invalid: use 3-255 letters, digits, "_", "-" and "."`,
    );
  }
  const clientOptions = [options.region, options.endpoint, options.credentials, options.clientConfig];
  if (options.client !== undefined && clientOptions.some((option) => option !== undefined)) {
    throw new ConfigError(
      'DynamoStore: region, endpoint, credentials and clientConfig only apply to a client the store creates',
    );
  }
  const timeoutMs = resolveDurationOption(options.timeout, 'DynamoStore timeout', 5_000);
  const clientConfig: DynamoDBClientConfig = {
    // A cache call must fail fast: bounded socket time and few SDK retries. (Each
    // operation is also cut off at its own deadline, whatever the client does.)
    requestHandler: { connectionTimeout: timeoutMs, requestTimeout: timeoutMs },
    maxAttempts: 2,
    ...options.clientConfig,
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  };
  return {
    client: options.client,
    clientConfig,
    table,
    prefix,
    createTable: options.createTable ?? true,
    consistentRead: options.consistentRead ?? true,
    timeoutMs,
    batchTimeoutMs: resolveDurationOption(options.batchTimeout, 'DynamoStore batchTimeout', 30_000),
    tableReadyTimeoutMs: resolveDurationOption(
      options.tableReadyTimeout,
      'DynamoStore tableReadyTimeout',
      60_000,
    ),
    maxConflictRetries: positiveInteger('maxConflictRetries', options.maxConflictRetries, 50),
  };
}
