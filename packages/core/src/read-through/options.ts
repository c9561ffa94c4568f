import { type Duration, toMilliseconds } from '../duration.js';
import { ConfigError, InvalidArgumentError } from '../errors.js';
import type { OperationOptions } from '../signal.js';

/**
 * How a read-through call behaves. Every field may be set per call, or once for the
 * whole cache in `new Cache({ defaults })`; a per-call value overrides the default.
 */
export interface ReadThroughOptions {
  /**
   * Keep a value this long after it goes stale, as a fail-safe fallback: when the
   * factory fails (throws, or hits `hardTimeout`) and a graced value exists, it is
   * served instead of the error.
   */
  readonly grace?: Duration | undefined;
  /**
   * After a fail-safe activation, serve the graced value without calling the
   * factory again for this long (default `'30s'` when `grace` is set; `0` disables).
   */
  readonly graceBackoff?: Duration | undefined;
  /**
   * When a stale (graced) value exists and the factory takes longer than this,
   * return the stale value now; the factory keeps running and its result is cached.
   */
  readonly softTimeout?: Duration | undefined;
  /**
   * The longest a caller waits for the factory: then the graced value if one
   * exists, otherwise a `FactoryTimeoutError`.
   */
  readonly hardTimeout?: Duration | undefined;
  /**
   * A number in (0, 1): a hit after this fraction of its TTL has elapsed returns
   * the cached value and starts one background refresh (one per key per process).
   */
  readonly eagerRefresh?: number | undefined;
  /** Adds a random extra TTL in [0, jitter) to each write, so keys written together do not expire together. */
  readonly jitter?: Duration | undefined;
  /**
   * Whether a factory still running when its callers stopped waiting (soft or hard
   * timeout) completes in the background and caches its result. Default `true`.
   * With `false`, a hard timeout also aborts the factory's signal once no caller waits.
   */
  readonly backgroundCompletion?: boolean | undefined;
  /**
   * Whether a failing or timed-out store is bypassed: the factory's value is
   * returned and the failed read or write only reported to the observer (default
   * `true`). `false` restores the strict behaviour: a store error fails the call.
   */
  readonly failOpen?: boolean | undefined;
  /**
   * Distributed single-flight: on a miss, one caller across every process sharing
   * the store runs the factory (a lease in the store); the others wait for its value
   * — woken by the bus where there is one, polling the store otherwise — and after
   * `lockTimeout` compute it themselves (a bounded mini-stampede, never a hang). With
   * `grace`, waiters are served the graced value at once. Only on shared stores.
   */
  readonly distributed?: boolean | undefined;
  /** How long a distributed waiter waits for another process's factory before running its own. Default `'10s'`. */
  readonly lockTimeout?: Duration | undefined;
}

/** Options of `remember` and `rememberMany`: the read-through behaviour plus `signal`/`timeout`. */
export interface RememberOptions extends OperationOptions, ReadThroughOptions {
  /**
   * Tags of the computed entry (see `Cache.deleteByTag`). Scoped to the cache view
   * (a namespace's tags are its own). The factory may add more with `ctx.addTags`.
   */
  readonly tags?: readonly string[] | undefined;
}

/** {@link ReadThroughOptions} resolved to milliseconds (0 = off). */
export interface ResolvedReadThrough {
  readonly graceMs: number;
  readonly graceBackoffMs: number;
  readonly softTimeoutMs: number;
  readonly hardTimeoutMs: number;
  readonly eagerRefresh: number;
  readonly jitterMs: number;
  readonly backgroundCompletion: boolean;
  readonly failOpen: boolean;
  readonly distributed: boolean;
  readonly lockTimeoutMs: number;
}

/** What no option at all resolves to. */
export const PLAIN_READ_THROUGH: ResolvedReadThrough = Object.freeze({
  graceMs: 0,
  graceBackoffMs: 0,
  softTimeoutMs: 0,
  hardTimeoutMs: 0,
  eagerRefresh: 0,
  jitterMs: 0,
  backgroundCompletion: true,
  failOpen: true,
  distributed: false,
  lockTimeoutMs: 10_000,
});

const DEFAULT_GRACE_BACKOFF_MS = 30_000;
const FIELDS = [
  'grace',
  'graceBackoff',
  'softTimeout',
  'hardTimeout',
  'eagerRefresh',
  'jitter',
  'backgroundCompletion',
  'failOpen',
  'distributed',
  'lockTimeout',
] as const;

/** Whether `options` sets any read-through field (so the cache defaults can be used as they are). */
export function hasReadThroughFields(options: object | undefined): boolean {
  if (options === undefined) return false;
  for (const field of FIELDS) if ((options as Record<string, unknown>)[field] !== undefined) return true;
  return false;
}

type Fail = (message: string) => Error;

function durationMs(value: Duration | undefined, name: string, fallback: number, fail: Fail): number {
  if (value === undefined) return fallback;
  let ms: number;
  try {
    ms = toMilliseconds(value, name);
  } catch (error) {
    throw fail(`${name}: ${(error as Error).message}`);
  }
  if (ms < 0) throw fail(`${name} must not be negative, got ${String(value)}`);
  return Math.ceil(ms);
}

function flag(value: unknown, name: string, fallback: boolean, fail: Fail): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw fail(`${name} must be a boolean`);
  return value;
}

/**
 * Resolves `options` over `base`. Bad values raise `InvalidArgumentError` per call
 * and `ConfigError` for the cache's `defaults` (`asConfig`).
 */
export function resolveReadThrough(
  options: ReadThroughOptions | undefined,
  base: ResolvedReadThrough,
  asConfig = false,
): ResolvedReadThrough {
  if (options === undefined) return base;
  const fail: Fail = (message) =>
    asConfig ? new ConfigError(`defaults.${message}`) : new InvalidArgumentError(message);
  const graceMs = durationMs(options.grace, 'grace', base.graceMs, fail);
  const backoffFallback =
    options.grace !== undefined && base.graceMs === 0 ? DEFAULT_GRACE_BACKOFF_MS : base.graceBackoffMs;
  const eager = options.eagerRefresh ?? base.eagerRefresh;
  if (typeof eager !== 'number' || !(eager === 0 || (eager > 0 && eager < 1))) {
    throw fail(`eagerRefresh must be a number between 0 and 1 (exclusive), got ${String(eager)}`);
  }
  return {
    graceMs,
    graceBackoffMs: durationMs(options.graceBackoff, 'graceBackoff', backoffFallback, fail),
    softTimeoutMs: durationMs(options.softTimeout, 'softTimeout', base.softTimeoutMs, fail),
    hardTimeoutMs: durationMs(options.hardTimeout, 'hardTimeout', base.hardTimeoutMs, fail),
    eagerRefresh: eager,
    jitterMs: durationMs(options.jitter, 'jitter', base.jitterMs, fail),
    backgroundCompletion: flag(
      options.backgroundCompletion,
      'backgroundCompletion',
      base.backgroundCompletion,
      fail,
    ),
    failOpen: flag(options.failOpen, 'failOpen', base.failOpen, fail),
    distributed: flag(options.distributed, 'distributed', base.distributed, fail),
    lockTimeoutMs: durationMs(options.lockTimeout, 'lockTimeout', base.lockTimeoutMs, fail),
  };
}
