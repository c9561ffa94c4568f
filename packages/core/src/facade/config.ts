import type { Bus } from '../bus/bus.js';
import { type Codec, jsonCodec } from '../codec.js';
import { resolveTtl, type Ttl, toMilliseconds, toPositiveMilliseconds } from '../duration.js';
import { EntryCodec } from '../entry/entry-codec.js';
import { ConfigError } from '../errors.js';
import { DEFAULT_MAX_KEY_LENGTH } from '../keys.js';
import type { CacheObserver } from '../observer.js';
import { PLAIN_READ_THROUGH, type ResolvedReadThrough, resolveReadThrough } from '../read-through/options.js';
import { compressionSettings } from '../shaping/compress.js';
import { Encryptor } from '../shaping/encrypt.js';
import {
  isReferenceStore,
  isSyncReadStore,
  NO_EXPIRY,
  type ReferenceStore,
  type Store,
  type SyncReadStore,
} from '../store.js';
import type { CacheOptions } from './options.js';

/** A {@link CacheOptions} validated and resolved once, at construction. */
export interface CacheConfig {
  /** The cache's name (trace contexts, metrics). */
  readonly name: string;
  readonly store: Store;
  readonly entries: EntryCodec;
  /** The by-reference interface, when values can skip the codec (no shaping, default codec). */
  readonly ref: ReferenceStore | undefined;
  /** The store's synchronous read, when plain hits can be answered through it (no L1, not by reference). */
  readonly syncRead: SyncReadStore | undefined;
  readonly defaultTtl: number;
  readonly maxKeyLength: number;
  readonly observer: CacheObserver | undefined;
  readonly timeoutMs: number | undefined;
  readonly defaults: ResolvedReadThrough;
  /** How long tag versions read from the store are used (ms) where no bus announces bumps. */
  readonly tagCheckIntervalMs: number;
  /** Whether `tagCheckInterval` was given (it then caps the trust a bus gives, too). */
  readonly tagCheckExplicit: boolean;
  /** The hybrid tier's L1, bus and L1 TTL, when an `l1` is configured. */
  readonly hybrid:
    | {
        readonly l1: ReferenceStore;
        readonly bus: Bus | undefined;
        readonly l1TtlMs: number;
        readonly breaker: { readonly failures: number; readonly openMs: number } | undefined;
      }
    | undefined;
}

const DEFAULT_TTL_MS = 5 * 60_000;
const DEFAULT_L1_TTL_MS = 30_000;
const DEFAULT_TAG_CHECK_INTERVAL_MS = 1_000;
const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;
const STORE_METHODS = [
  'get',
  'getMany',
  'set',
  'setMany',
  'add',
  'increment',
  'delete',
  'deleteMany',
  'deleteIfEquals',
  'flush',
  'close',
] as const;

/** Throws {@link ConfigError} unless `store` has every method of the Store contract. */
function assertStore(store: unknown): asserts store is Store {
  if (store === null || typeof store !== 'object') {
    throw new ConfigError(`store must be a Store object, got ${store === null ? 'null' : typeof store}`);
  }
  const candidate = store as Partial<Record<string, unknown>>;
  const missing = STORE_METHODS.filter((method) => typeof candidate[method] !== 'function');
  if (missing.length > 0) {
    throw new ConfigError(`store does not implement the Store contract: missing ${missing.join(', ')}()`);
  }
  const capabilities = candidate.capabilities as Partial<Record<string, unknown>> | undefined;
  if (capabilities === null || typeof capabilities !== 'object' || typeof capabilities.shared !== 'boolean') {
    throw new ConfigError('store.capabilities must be an object with `shared`, `durable`, `ttlResolutionMs`');
  }
}

function positiveInteger(
  value: number | undefined,
  name: string,
  fallback: number | undefined,
): number | undefined {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigError(`${name} must be a positive integer`);
  return value;
}

function resolveDefaultTtl(ttl: Ttl | undefined): number {
  if (ttl === undefined) return DEFAULT_TTL_MS;
  if (ttl === 'forever') return NO_EXPIRY;
  try {
    return toPositiveMilliseconds(ttl, 'defaultTtl');
  } catch (error) {
    // A non-positive default would silently mean "the built-in default": refuse it.
    throw new ConfigError(
      `defaultTtl must be a positive duration or 'forever': ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * Validates `options` and resolves everything a {@link Cache} needs.
 *
 * @throws {@link ConfigError} for anything invalid
 */
export function resolveCacheConfig(options: CacheOptions): CacheConfig {
  if (options === null || typeof options !== 'object' || options.store === undefined) {
    throw new ConfigError('new Cache({ store }) needs a store');
  }
  const { store } = options;
  assertStore(store);
  const maxKeyLength = positiveInteger(
    options.maxKeyLength,
    'maxKeyLength',
    DEFAULT_MAX_KEY_LENGTH,
  ) as number;
  const maxValueBytes = positiveInteger(options.maxValueBytes, 'maxValueBytes', undefined);
  const storeCap = store.capabilities.maxValueBytes;
  const effectiveMax =
    storeCap !== undefined && maxValueBytes !== undefined
      ? Math.min(maxValueBytes, storeCap)
      : (maxValueBytes ?? storeCap);
  const codec: Codec = options.codec ?? jsonCodec;
  if (typeof codec?.encode !== 'function' || typeof codec.decode !== 'function') {
    throw new ConfigError('codec must have encode() and decode()');
  }
  const compression = compressionSettings(options.compression);
  const encryptor = options.encryption === undefined ? undefined : new Encryptor(options.encryption);
  const maxDecompressedBytes = positiveInteger(
    options.maxDecompressedBytes,
    'maxDecompressedBytes',
    DEFAULT_MAX_DECOMPRESSED_BYTES,
  ) as number;
  const hybrid = resolveHybrid(options);
  const entries = new EntryCodec({
    codec,
    compression,
    encryptor,
    maxValueBytes: effectiveMax,
    maxDecompressedBytes,
    stampExpiry: hybrid !== undefined,
  });
  if (options.observer !== undefined && typeof options.observer !== 'function') {
    throw new ConfigError('observer must be a function');
  }
  let timeoutMs: number | undefined;
  try {
    timeoutMs =
      options.timeout === undefined ? undefined : toPositiveMilliseconds(options.timeout, 'timeout');
  } catch (error) {
    throw new ConfigError(`timeout is invalid: ${(error as Error).message}`, { cause: error });
  }
  if (options.defaults !== undefined && (options.defaults === null || typeof options.defaults !== 'object')) {
    throw new ConfigError('defaults must be an object');
  }
  const byReference =
    hybrid === undefined &&
    isReferenceStore(store) &&
    codec === jsonCodec &&
    compression === undefined &&
    encryptor === undefined &&
    options.maxValueBytes === undefined;
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name.length === 0)) {
    throw new ConfigError('name must be a non-empty string');
  }
  return {
    name: options.name ?? 'default',
    store,
    entries,
    ref: byReference ? store : undefined,
    syncRead: hybrid === undefined && !byReference && isSyncReadStore(store) ? store : undefined,
    defaultTtl: resolveDefaultTtl(options.defaultTtl),
    maxKeyLength,
    observer: options.observer,
    timeoutMs,
    defaults: resolveReadThrough(options.defaults, PLAIN_READ_THROUGH, true),
    tagCheckIntervalMs: resolveTagCheckInterval(options.tagCheckInterval),
    tagCheckExplicit: options.tagCheckInterval !== undefined,
    hybrid,
  };
}

function resolveTagCheckInterval(option: CacheOptions['tagCheckInterval']): number {
  if (option === undefined) return DEFAULT_TAG_CHECK_INTERVAL_MS;
  let ms: number;
  try {
    ms = toMilliseconds(option, 'tagCheckInterval');
  } catch (error) {
    throw new ConfigError(`tagCheckInterval is invalid: ${(error as Error).message}`, { cause: error });
  }
  if (ms < 0) throw new ConfigError(`tagCheckInterval must not be negative, got ${String(option)}`);
  return ms;
}

function resolveHybrid(options: CacheOptions): CacheConfig['hybrid'] {
  const { l1, bus } = options;
  if (l1 === undefined) {
    if (bus !== undefined)
      throw new ConfigError('a bus keeps L1s coherent: give an l1 too (new Cache({ store, l1, bus }))');
    if (options.l1Ttl !== undefined) throw new ConfigError('l1Ttl needs an l1');
    if (options.circuitBreaker !== undefined && options.circuitBreaker !== false) {
      throw new ConfigError('circuitBreaker needs an l1 (without one there is nothing to degrade to)');
    }
    return undefined;
  }
  assertStore(l1);
  if (!isReferenceStore(l1)) {
    throw new ConfigError('l1 must keep values by reference (e.g. new MemoryStore(), not values: "copy")');
  }
  if (l1 === options.store) throw new ConfigError('l1 and store must be two different stores');
  if (bus !== undefined) {
    const candidate = bus as unknown as Partial<Record<string, unknown>>;
    for (const method of ['publish', 'subscribe', 'close']) {
      if (typeof candidate[method] !== 'function')
        throw new ConfigError(`bus does not implement the Bus contract: missing ${method}()`);
    }
  }
  let l1TtlMs = DEFAULT_L1_TTL_MS;
  if (options.l1Ttl !== undefined) {
    try {
      l1TtlMs = toPositiveMilliseconds(options.l1Ttl, 'l1Ttl');
    } catch (error) {
      throw new ConfigError(`l1Ttl is invalid: ${(error as Error).message}`, { cause: error });
    }
  }
  return { l1, bus, l1TtlMs, breaker: resolveBreaker(options.circuitBreaker) };
}

function resolveBreaker(
  option: CacheOptions['circuitBreaker'],
): { failures: number; openMs: number } | undefined {
  if (option === false) return undefined;
  if (option !== undefined && (option === null || typeof option !== 'object')) {
    throw new ConfigError('circuitBreaker must be false or { failures?, openFor? }');
  }
  const failures = positiveInteger(option?.failures, 'circuitBreaker.failures', 5) as number;
  let openMs = 5_000;
  if (option?.openFor !== undefined) {
    try {
      openMs = toPositiveMilliseconds(option.openFor, 'circuitBreaker.openFor');
    } catch (error) {
      throw new ConfigError(`circuitBreaker.openFor is invalid: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  return { failures, openMs };
}

/** A call's TTL resolved against the default. */
export function ttlOf(ttl: Ttl | undefined, defaultTtl: number): number {
  return resolveTtl(ttl, defaultTtl);
}
