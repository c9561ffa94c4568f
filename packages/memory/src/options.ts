import { ConfigError } from '@cache/core';

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
   * Key prefix, default `'app'`. Accepted for uniformity with the other drivers; each
   * instance has its own map, so `flush()` always clears exactly this instance.
   */
  readonly prefix?: string;
  /** Most entries kept before the least recently used is evicted. Positive integer, default 50,000. */
  readonly maxEntries?: number;
  /**
   * Most bytes kept before the least recently used entries are evicted. Positive
   * integer, default unbounded. See {@link MemoryStoreOptions.sizeOf} for how a
   * by-reference value is counted; a byte entry counts `value.byteLength + key.length * 2`.
   */
  readonly maxBytes?: number;
  /**
   * Size of a by-reference value in bytes, used only when `maxBytes` is set. Without
   * it the store estimates `JSON.stringify(value).length`, which costs a full
   * serialisation on every by-reference write. The key's `key.length * 2` is added
   * to either.
   */
  readonly sizeOf?: (value: unknown) => number;
  /** `'reference'` (default) or `'copy'`: see {@link MemoryValueMode}. */
  readonly values?: MemoryValueMode;
  /**
   * Period of the background expiry sweep in ms, default 1000; `0` disables it (expired
   * entries are then removed only when read or evicted). One unref'd interval per store.
   */
  readonly sweepIntervalMs?: number;
  /** Most entries one sweep tick examines, default 1000. Bounds the pause a tick causes. */
  readonly sweepBatch?: number;
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
  /** Sweep period in ms, `0` when disabled. */
  readonly sweepIntervalMs: number;
  /** Entries examined per sweep tick. */
  readonly sweepBatch: number;
}

/** Longest delay `setInterval` honours. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** Default entry bound. */
export const DEFAULT_MAX_ENTRIES = 50_000;
/** Default sweep period in ms. */
export const DEFAULT_SWEEP_INTERVAL_MS = 1_000;
/** Default entries examined per sweep tick. */
export const DEFAULT_SWEEP_BATCH = 1_000;

/**
 * Applies defaults and validates.
 *
 * @throws {@link ConfigError} for a non-object, unknown value mode, or a bound that is
 * not a positive safe integer.
 */
export function resolveMemoryStoreOptions(
  options: MemoryStoreOptions | undefined,
): ResolvedMemoryStoreOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('MemoryStore options must be an object');
  }
  const prefix = options.prefix ?? 'app';
  if (typeof prefix !== 'string') throw new ConfigError('MemoryStore prefix must be a string');
  const values = options.values ?? 'reference';
  if (values !== 'reference' && values !== 'copy') {
    throw new ConfigError(`MemoryStore values must be 'reference' or 'copy', got ${String(values)}`);
  }
  if (options.sizeOf !== undefined && typeof options.sizeOf !== 'function') {
    throw new ConfigError('MemoryStore sizeOf must be a function');
  }
  const sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
  if (sweepIntervalMs !== 0) positiveInteger('sweepIntervalMs', sweepIntervalMs);
  // Node clamps larger delays to 1 ms with a warning, which would turn a lazy sweep into a busy one.
  if (sweepIntervalMs > MAX_TIMER_DELAY_MS) {
    throw new ConfigError(
      `MemoryStore sweepIntervalMs must be at most ${MAX_TIMER_DELAY_MS}, got ${sweepIntervalMs}`,
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
    sweepIntervalMs,
    sweepBatch: positiveInteger('sweepBatch', options.sweepBatch ?? DEFAULT_SWEEP_BATCH),
  };
}

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(`MemoryStore ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}
