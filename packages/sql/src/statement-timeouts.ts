import { ConfigError } from '@cache/core';

/**
 * Per-statement deadlines of a networked executor (`@cache/postgres`,
 * `@cache/mysql`), in ms; `0` means none. Data statements get the short one;
 * maintenance statements the long one (`StatementRegistry.timeoutOf` picks).
 */
export interface StatementTimeouts {
  /** Data statements: `get`, `set`, `add`, `increment`, batches, … */
  readonly queryTimeoutMs: number;
  /** `flush`, `prune`, table creation, which may touch many rows. */
  readonly maintenanceTimeoutMs: number;
}

/** The options the timeouts come from (each driver documents them on its own options). */
export interface StatementTimeoutOptions {
  readonly queryTimeoutMs?: number | undefined;
  readonly maintenanceTimeoutMs?: number | undefined;
}

/** Default of `queryTimeoutMs`. */
export const DEFAULT_QUERY_TIMEOUT_MS = 5_000;
/** Default of `maintenanceTimeoutMs`. */
export const DEFAULT_MAINTENANCE_TIMEOUT_MS = 60_000;

/**
 * The timeouts of `options`, defaults filled in.
 *
 * @throws {@link ConfigError} when one is not a non-negative safe integer.
 */
export function resolveStatementTimeouts(options: StatementTimeoutOptions): StatementTimeouts {
  return {
    queryTimeoutMs: milliseconds('queryTimeoutMs', options.queryTimeoutMs, DEFAULT_QUERY_TIMEOUT_MS),
    maintenanceTimeoutMs: milliseconds(
      'maintenanceTimeoutMs',
      options.maintenanceTimeoutMs,
      DEFAULT_MAINTENANCE_TIMEOUT_MS,
    ),
  };
}

function milliseconds(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ConfigError(`${name} must be a non-negative integer (ms), got ${String(value)}`);
  }
  return value;
}
