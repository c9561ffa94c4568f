import { ConfigError, InvalidTtlError } from './errors.js';
import { NO_EXPIRY } from './store.js';

/** Units a duration string may use: milliseconds, seconds, minutes, hours, days, weeks. */
export type DurationUnit = 'ms' | 's' | 'm' | 'h' | 'd' | 'w';

/**
 * A span of time: a number of **milliseconds** or a string such as `'500ms'`,
 * `'30s'`, `'5m'`, `'1.5h'`, `'7d'`. Never seconds as a bare number.
 */
export type Duration = number | `${number}${DurationUnit}`;

/**
 * A TTL argument: a {@link Duration}, or `'forever'` for an entry that never expires.
 * A missing or non-positive TTL means the cache's default TTL.
 */
export type Ttl = Duration | 'forever';

/** Longest TTL accepted, in ms (about 31,700 years): beyond it, timestamps stop being exact. */
export const MAX_TTL_MS = 1e15;

const UNIT_MS: Record<DurationUnit, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION_PATTERN = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h|d|w)\s*$/;

/** Parsed duration strings: a call site passes the same few ('5m', '1h') again and again. */
const PARSED = new Map<string, number>();
const MAX_PARSED = 256;

/**
 * Converts a {@link Duration} to milliseconds (possibly fractional, possibly ≤ 0 for numbers).
 *
 * @throws {@link InvalidTtlError} for NaN, ±Infinity, non-numbers and unparseable strings.
 */
export function toMilliseconds(duration: Duration, what = 'duration'): number {
  if (typeof duration === 'number') {
    if (!Number.isFinite(duration))
      throw new InvalidTtlError(`${what} must be a finite number of ms, got ${duration}`);
    return duration;
  }
  if (typeof duration === 'string') {
    const known = PARSED.get(duration);
    if (known !== undefined) return known;
    const match = DURATION_PATTERN.exec(duration);
    if (match !== null) {
      const ms = Number(match[1]) * UNIT_MS[match[2] as DurationUnit];
      if (PARSED.size < MAX_PARSED) PARSED.set(duration, ms);
      return ms;
    }
    throw new InvalidTtlError(
      `${what} "${duration}" is not a duration such as "500ms", "30s", "5m", "1h", "7d"`,
    );
  }
  throw new InvalidTtlError(`${what} must be a number of ms or a duration string, got ${typeof duration}`);
}

/**
 * Converts a positive {@link Duration} to whole milliseconds (rounded up).
 *
 * @throws {@link InvalidTtlError} when not positive and finite.
 */
export function toPositiveMilliseconds(duration: Duration, what = 'duration'): number {
  const ms = toMilliseconds(duration, what);
  if (ms <= 0) throw new InvalidTtlError(`${what} must be positive, got ${String(duration)}`);
  if (ms > MAX_TTL_MS)
    throw new InvalidTtlError(`${what} of ${ms} ms is longer than the maximum of ${MAX_TTL_MS} ms`);
  return Math.ceil(ms);
}

/**
 * Resolves a facade TTL argument to the store-level TTL: whole ms, or
 * {@link NO_EXPIRY} for `'forever'`. `undefined` and non-positive values mean
 * `defaultTtl` (already resolved).
 *
 * @throws {@link InvalidTtlError} for NaN, Infinity, garbage strings and TTLs over {@link MAX_TTL_MS}.
 */
export function resolveTtl(ttl: Ttl | undefined, defaultTtl: number): number {
  if (ttl === undefined) return defaultTtl;
  if (typeof ttl === 'number' && ttl > 0 && ttl <= MAX_TTL_MS) return Math.ceil(ttl);
  if (ttl === 'forever') return NO_EXPIRY;
  const ms = toMilliseconds(ttl, 'ttl');
  if (ms <= 0) return defaultTtl;
  if (ms > MAX_TTL_MS)
    throw new InvalidTtlError(`ttl of ${ms} ms is longer than the maximum of ${MAX_TTL_MS} ms`);
  return Math.ceil(ms);
}

/**
 * Resolves a duration-valued configuration option of a store or cache (a
 * {@link Duration}: ms or a string like `'5s'`) to whole milliseconds, or `fallback`
 * when it is `undefined`. One rule for every driver, so that `timeout: '2s'` means
 * the same everywhere.
 *
 * @param value - the option's value
 * @param name - the option's name, for the error message (`'RedisStore timeout'`)
 * @param fallback - ms to use when `value` is `undefined`
 * @param allowZero - whether `0` is meaningful (e.g. "no background pruning")
 * @throws {@link ConfigError} for anything but a positive finite duration (or 0 when allowed)
 */
export function resolveDurationOption(
  value: unknown,
  name: string,
  fallback: number,
  allowZero = false,
): number {
  if (value === undefined) return fallback;
  if (allowZero && value === 0) return 0;
  try {
    return toPositiveMilliseconds(value as Duration, name);
  } catch (error) {
    throw new ConfigError(
      `${name} must be a positive duration (ms or a string such as '500ms', '5s')${
        allowZero ? ' or 0' : ''
      }, got ${typeof value === 'string' ? `"${value}"` : String(value)}`,
      { cause: error },
    );
  }
}
