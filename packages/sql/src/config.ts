import {
  assertNoRenamedOptions,
  ConfigError,
  type Duration,
  type PrefixRule,
  resolveDurationOption,
  resolvePrefix,
} from '@cache/core';
import { DEFAULT_TABLE, parseTableName, type TableName } from './table-name.js';

/** Prefix of a store that may keep a default (SQLite `:memory:`, private to the process). */
export const DEFAULT_PREFIX = 'app';
/** Default number of rows one prune removes at most. */
export const DEFAULT_PRUNE_LIMIT = 1_000;
/** Longest prefix, in UTF-8 bytes (the MySQL column is `VARBINARY(255)`). */
export const MAX_PREFIX_BYTES = 255;
/** Longest duration a Node timer can wait (2^31 − 1 ms, about 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

/** Options renamed in this release, shared by every SQL store: old name → new name. */
export const RENAMED_TABLE_OPTIONS: Readonly<Record<string, string>> = {
  onPruneError: 'onBackgroundError',
  pruneIntervalMs: 'pruneInterval',
};

/** Table and housekeeping options shared by every SQL store (sqlite, postgres, mysql). */
export interface SqlTableOptions {
  /** Table name, `table` or `schema.table` of `[A-Za-z_][A-Za-z0-9_]*` parts. Default `cache_entries`. */
  readonly table?: string;
  /**
   * Namespace of this store's keys inside the table. `flush()` deletes exactly this
   * prefix. A non-empty, well-formed string of up to 255 UTF-8 bytes without NUL.
   * Required where the table can be shared (every SQL store but SQLite `:memory:`):
   * two services on one default prefix would read and flush each other's entries.
   */
  readonly prefix?: string;
  /** Create the table and its index on first use when missing. Default `true`. */
  readonly createTable?: boolean;
  /**
   * Run `prune()` on this interval (ms or a duration string such as `'5m'`; `0`
   * or `false` = off). The timer is unref'd (it never keeps the process alive)
   * and stops on `close()`. Default: off (expired rows are ignored on read either
   * way; call `prune()` from a job of your own, or turn this on).
   */
  readonly pruneInterval?: Duration | false | undefined;
  /** Most rows each periodic prune deletes. Default 1,000. */
  readonly pruneLimit?: number;
  /**
   * Receives errors of background work, which never throws: the periodic prune
   * (and, for `@cache/postgres`, errors of idle pooled connections). Default: ignored.
   */
  readonly onBackgroundError?: ((error: unknown) => void) | undefined;
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
  /** Background error sink. */
  readonly onBackgroundError: ((error: unknown) => void) | undefined;
}

/**
 * Validates the shared options before any SQL is sent.
 *
 * @param options - the caller's options
 * @param rule - whether this store needs an explicit prefix (see `resolvePrefix` in `@cache/core`)
 * @throws {@link "@cache/core"!ConfigError | ConfigError} for a bad table name, a missing (where
 *   required) or bad prefix, flag, interval or limit, or a renamed option.
 */
export function resolveSqlTableOptions(options: SqlTableOptions, rule: PrefixRule): ResolvedSqlTableOptions {
  assertNoRenamedOptions(options, RENAMED_TABLE_OPTIONS, rule.driver);
  const table = parseTableName(options.table ?? DEFAULT_TABLE);
  const prefix = resolvePrefix(options.prefix, rule);
  if (prefix.includes('\0')) throw new ConfigError(`${rule.driver} prefix must not contain NUL characters`);
  if (Buffer.byteLength(prefix, 'utf8') > MAX_PREFIX_BYTES) {
    throw new ConfigError(`${rule.driver} prefix must be at most ${MAX_PREFIX_BYTES} UTF-8 bytes`);
  }
  const createTable = options.createTable ?? true;
  if (typeof createTable !== 'boolean') throw new ConfigError('createTable must be a boolean');
  const interval = options.pruneInterval === false ? 0 : options.pruneInterval;
  const pruneIntervalMs = timerDuration(interval, 'pruneInterval', 0, true);
  const pruneLimit = validatePruneLimit(options.pruneLimit ?? DEFAULT_PRUNE_LIMIT);
  const onBackgroundError = options.onBackgroundError;
  if (onBackgroundError !== undefined && typeof onBackgroundError !== 'function') {
    throw new ConfigError('onBackgroundError must be a function');
  }
  return { table, prefix, createTable, pruneIntervalMs, pruneLimit, onBackgroundError };
}

/**
 * A duration option that ends up in a Node timer (or an equivalent 32-bit
 * setting): `resolveDurationOption` of `@cache/core`, capped at
 * {@link MAX_TIMER_MS} so that a long value never fires at once instead.
 *
 * @throws {@link ConfigError} for anything but a positive duration (or `0` when
 *   `allowZero`) up to {@link MAX_TIMER_MS}.
 */
export function timerDuration(value: unknown, name: string, fallbackMs: number, allowZero = false): number {
  const ms = resolveDurationOption(value, name, fallbackMs, allowZero);
  if (ms > MAX_TIMER_MS) {
    throw new ConfigError(`${name} must be at most ${MAX_TIMER_MS} ms (about 24 days), got ${ms} ms`);
  }
  return ms;
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
