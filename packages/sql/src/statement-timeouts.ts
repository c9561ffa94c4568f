import type { Duration } from '@cache/core';
import { timerDuration } from './config.js';

/**
 * Per-statement deadlines of a networked executor (`@cache/postgres`,
 * `@cache/mysql`), resolved to ms; `0` means none. Data statements get the
 * short one; maintenance statements the long one (`StatementRegistry.timeoutOf`
 * picks).
 */
export interface StatementTimeouts {
  /** Data statements: `get`, `set`, `add`, `increment`, batches, … (from the `timeout` option). */
  readonly queryTimeoutMs: number;
  /** `flush`, `prune`, table creation, which may touch many rows (from `maintenanceTimeout`). */
  readonly maintenanceTimeoutMs: number;
}

/** The options the timeouts come from (each driver documents them on its own options). */
export interface StatementTimeoutOptions {
  /** Deadline of each data statement: ms or a duration string (`'2s'`); `0` = none. Default 5 s. */
  readonly timeout?: Duration | undefined;
  /** Deadline of `flush()`, `prune()` and table creation; `0` = none. Default 60 s. */
  readonly maintenanceTimeout?: Duration | undefined;
}

/** Options of the networked SQL stores renamed in this release: old name → new name. */
export const RENAMED_TIMEOUT_OPTIONS: Readonly<Record<string, string>> = {
  queryTimeoutMs: 'timeout',
  timeoutMs: 'timeout',
  maintenanceTimeoutMs: 'maintenanceTimeout',
};

/** Default of the `timeout` option, in ms. */
export const DEFAULT_QUERY_TIMEOUT_MS = 5_000;
/** Default of the `maintenanceTimeout` option, in ms. */
export const DEFAULT_MAINTENANCE_TIMEOUT_MS = 60_000;

/**
 * The timeouts of `options`, defaults filled in.
 *
 * @throws `ConfigError` when one is not `0` or a positive duration of at most ~24 days.
 */
export function resolveStatementTimeouts(options: StatementTimeoutOptions): StatementTimeouts {
  return {
    queryTimeoutMs: timerDuration(options.timeout, 'timeout', DEFAULT_QUERY_TIMEOUT_MS, true),
    maintenanceTimeoutMs: timerDuration(
      options.maintenanceTimeout,
      'maintenanceTimeout',
      DEFAULT_MAINTENANCE_TIMEOUT_MS,
      true,
    ),
  };
}

/**
 * A statement (or the wait for a connection) of a networked SQL executor that got
 * no answer within its deadline. The store reports it as the `cause` of a
 * `StoreError`; `code` is Node's `ETIMEDOUT`, as the drivers use for their own
 * timeouts.
 */
export class StatementTimeoutError extends Error {
  /** Node-style code. */
  readonly code: string = 'ETIMEDOUT';

  /**
   * @param what - what did not finish (`'postgres statement'`, …)
   * @param ms - the deadline, in ms
   */
  constructor(what: string, ms: number) {
    super(`${what}: timeout, no answer within ${ms} ms`);
    this.name = 'StatementTimeoutError';
  }
}
