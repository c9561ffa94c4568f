import {
  ConfigError,
  type Duration,
  assertNoRenamedOptions,
  resolveDurationOption,
  resolvePrefix,
} from '@cache/core';
import type { EvictionPolicyName } from './eviction/policy.js';

/**
 * How a {@link MemoryStore} keeps values written through the by-reference interface.
 *
 * - `'reference'`: a hit returns the very object that was stored: no encode, no
 *   decode, no clone. Fastest; mutating the returned object mutates the cache.
 * - `'copy'`: every value goes through the codec as bytes, exactly as on a
 *   networked store (same semantics as Redis), at the cost of an encode per write
 *   and a decode per read.
 */
export type MemoryValueMode = 'reference' | 'copy';

/** Options of a {@link MemoryStore}. Every option is optional. */
export interface MemoryStoreOptions {
  /**
   * Key prefix, default `'app'`: a non-empty, well-formed string. Optional here (an
   * in-process store shares its map with nobody) and accepted for uniformity with the
   * other drivers; each instance has its own map, so `flush()` always clears exactly
   * this instance.
   */
  readonly prefix?: string;
  /** Most entries kept; beyond it the eviction `policy` chooses which go. Positive integer, default 50,000. */
  readonly maxEntries?: number;
  /**
   * Most bytes kept; beyond it the eviction `policy` chooses which go. Positive
   * integer, default unbounded. See {@link MemoryStoreOptions.sizeOf} for how a
   * by-reference value is counted; a byte entry counts `value.byteLength + key.length * 2`.
   */
  readonly maxBytes?: number;
  /**
   * Size of a by-reference value in bytes, used only when `maxBytes` is set, instead
   * of the store's own structural estimate (a walk that counts every object, array,
   * string, `Map`/`Set` entry and buffer with per-type V8 sizes, and errs high). The
   * key's `key.length * 2` is added to either.
   */
  readonly sizeOf?: (value: unknown) => number;
  /** `'reference'` (default) or `'copy'`: see {@link MemoryValueMode}. */
  readonly values?: MemoryValueMode;
  /**
   * Which entries go when a bound is reached (see the README's _Eviction_):
   * `'tinylfu'` (default), W-TinyLFU: a small LRU window, then admission by an
   * estimate of recent frequency, so scans and loops do not flush the popular keys;
   * or `'lru'`, least recently used, as lru-cache.
   */
  readonly policy?: EvictionPolicyName;
  /**
   * Period of the background expiry sweep (a {@link Duration}: ms or `'1s'`), default
   * 1 s; `0` disables it (expired entries are then removed only when read, evicted,
   * or by calling `prune()`). One unref'd interval per store.
   */
  readonly pruneInterval?: Duration;
  /**
   * Most entries one sweep step examines, default 10,000: the upper bound of the
   * adaptive step, and so of the pause one step causes (also capped at ~4 ms).
   */
  readonly pruneLimit?: number;
}

/** {@link MemoryStoreOptions} with defaults applied and every value validated. */
export interface ResolvedMemoryStoreOptions {
  /** The key prefix. */
  readonly prefix: string;
  /** Entry bound. */
  readonly maxEntries: number;
  /** Byte bound, `Infinity` when unbounded. */
  readonly maxBytes: number;
  /** Custom by-reference sizer, if any. */
  readonly sizeOf: ((value: unknown) => number) | undefined;
  /** Value mode. */
  readonly values: MemoryValueMode;
  /** Eviction policy. */
  readonly policy: EvictionPolicyName;
  /** Sweep period in ms, `0` when disabled. */
  readonly pruneInterval: number;
  /** Most entries one sweep step examines. */
  readonly pruneLimit: number;
}

/** Longest delay `setInterval` honours. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** Default entry bound. */
export const DEFAULT_MAX_ENTRIES = 50_000;
/** Default sweep period in ms. */
export const DEFAULT_PRUNE_INTERVAL_MS = 1_000;
/** Default upper bound of entries one sweep step examines. */
export const DEFAULT_PRUNE_LIMIT = 10_000;

/** Renamed options (old name → new name): passing an old one is a `ConfigError`, never silently ignored. */
const RENAMED: Readonly<Record<string, string>> = {
  sweepIntervalMs: 'pruneInterval',
  sweepBatch: 'pruneLimit',
};

/**
 * Applies defaults and validates.
 *
 * @throws {@link ConfigError} for a non-object, a renamed option, an invalid prefix,
 * an unknown value mode or policy, or a bound that is not a positive safe integer.
 */
export function resolveMemoryStoreOptions(
  options: MemoryStoreOptions | undefined,
): ResolvedMemoryStoreOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('MemoryStore options must be an object');
  }
  assertNoRenamedOptions(options, RENAMED, 'MemoryStore');
  const prefix = resolvePrefix(options.prefix, { driver: 'MemoryStore', required: false, fallback: 'app' });
  const values = options.values ?? 'reference';
  if (values !== 'reference' && values !== 'copy') {
    throw new ConfigError(`MemoryStore values must be 'reference' or 'copy', got ${String(values)}`);
  }
  const policy = options.policy ?? 'tinylfu';
  if (policy !== 'tinylfu' && policy !== 'lru') {
    throw new ConfigError(`MemoryStore policy must be 'tinylfu' or 'lru', got ${String(policy)}`);
  }
  if (options.sizeOf !== undefined && typeof options.sizeOf !== 'function') {
    throw new ConfigError('MemoryStore sizeOf must be a function');
  }
  const pruneInterval = resolveDurationOption(
    options.pruneInterval,
    'MemoryStore pruneInterval',
    DEFAULT_PRUNE_INTERVAL_MS,
    true,
  );
  // Node clamps larger delays to 1 ms with a warning, which would turn a lazy sweep into a busy one.
  if (pruneInterval > MAX_TIMER_DELAY_MS) {
    throw new ConfigError(
      `MemoryStore pruneInterval must be at most ${MAX_TIMER_DELAY_MS} ms, got ${pruneInterval}`,
    );
  }
  return {
    prefix,
    maxEntries: positiveInteger('maxEntries', options.maxEntries ?? DEFAULT_MAX_ENTRIES),
    maxBytes:
      options.maxBytes === undefined
        ? Number.POSITIVE_INFINITY
        : positiveInteger('maxBytes', options.maxBytes),
    sizeOf: options.sizeOf,
    values,
    policy,
    pruneInterval,
    pruneLimit: positiveInteger('pruneLimit', options.pruneLimit ?? DEFAULT_PRUNE_LIMIT),
  };
}

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(`MemoryStore ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
