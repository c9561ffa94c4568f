import { ConfigError, type Duration, toPositiveMilliseconds } from '@cache/core';
import { DEFAULT_TABLE, parseTableName, type TableName } from './table-name.js';

/** Default key prefix of SQL stores. */
export const DEFAULT_PREFIX = 'app';
/** Default number of rows one prune removes at most. */
export const DEFAULT_PRUNE_LIMIT = 1_000;
/** Longest prefix, in UTF-8 bytes (the MySQL column is `VARBINARY(255)`). */
export const MAX_PREFIX_BYTES = 255;

/** Table and housekeeping options shared by every SQL store (sqlite, postgres, mysql). */
export interface SqlTableOptions {
  /** Table name, `table` or `schema.table` of `[A-Za-z_][A-Za-z0-9_]*` parts. Default `cache_entries`. */
  readonly table?: string;
  /**
   * Namespace of this store's keys inside the table. `flush()` deletes exactly this
   * prefix. Any string up to 255 UTF-8 bytes without NUL. Default `app`.
   */
  readonly prefix?: string;
  /** Create the table and its index on first use when missing. Default `true`. */
  readonly createTable?: boolean;
  /**
   * Run `prune()` on this interval (ms or a duration string such as `'5m'`).
   * The timer is unref'd (it never keeps the process alive) and stops on
   * `close()`. Default: off (expired rows are ignored on read either way; call
   * `prune()` from a job of your own, or turn this on).
   */
  readonly pruneInterval?: Duration | false | undefined;
  /** Most rows each periodic prune deletes. Default 1,000. */
  readonly pruneLimit?: number;
  /** Receives errors of the periodic prune (which never throws). Default: ignored. */
  readonly onPruneError?: (error: unknown) => void;
}

/** {@link SqlTableOptions} validated, with defaults applied. */
export interface ResolvedSqlTableOptions {
  /** The validated table name. */
  readonly table: TableName;
  /** The prefix. */
  readonly prefix: string;
  /** Whether to create the table on first use. */
  readonly createTable: boolean;
  /** Periodic prune interval in ms, or 0 for none. */
  readonly pruneIntervalMs: number;
  /** Rows per periodic prune. */
  readonly pruneLimit: number;
  /** Periodic prune error sink. */
  readonly onPruneError: ((error: unknown) => void) | undefined;
}

/**
 * Validates the shared options before any SQL is sent.
 *
 * @throws {@link ConfigError} for a bad table name, prefix, flag, interval or limit.
 */
export function resolveSqlTableOptions(options: SqlTableOptions): ResolvedSqlTableOptions {
  const table = parseTableName(options.table ?? DEFAULT_TABLE);
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== 'string') throw new ConfigError(`prefix must be a string, got ${typeof prefix}`);
  if (prefix.includes('\0')) throw new ConfigError('prefix must not contain NUL characters');
  if (Buffer.byteLength(prefix, 'utf8') > MAX_PREFIX_BYTES) {
    throw new ConfigError(`prefix must be at most ${MAX_PREFIX_BYTES} UTF-8 bytes`);
  }
  const createTable = options.createTable ?? true;
  if (typeof createTable !== 'boolean') throw new ConfigError('createTable must be a boolean');
  let pruneIntervalMs = 0;
  if (options.pruneInterval !== undefined && options.pruneInterval !== false) {
    try {
      pruneIntervalMs = toPositiveMilliseconds(options.pruneInterval, 'pruneInterval');
    } catch (error) {
      throw new ConfigError(`invalid pruneInterval: ${(error as Error).message}`, { cause: error });
    }
  }
  const pruneLimit = validatePruneLimit(options.pruneLimit ?? DEFAULT_PRUNE_LIMIT);
  const onPruneError = options.onPruneError;
  if (onPruneError !== undefined && typeof onPruneError !== 'function') {
    throw new ConfigError('onPruneError must be a function');
  }
  return { table, prefix, createTable, pruneIntervalMs, pruneLimit, onPruneError };
}

/**
 * Checks a prune limit.
 *
 * @throws {@link ConfigError} unless it is a positive safe integer.
 */
export function validatePruneLimit(limit: unknown): number {
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit <= 0) {
    throw new ConfigError(`prune limit must be a positive integer, got ${String(limit)}`);
  }
  return limit;
}
