import {
  assertNoRenamedOptions,
  ConfigError,
  type Duration,
  resolveDurationOption,
  resolvePrefix,
} from '@cache/core';
import type { Client, ClientOptions, ServerOptions } from 'memjs';

/** Options of {@link MemcachedStore}. */
export interface MemcachedStoreOptions {
  /**
   * Server addresses (`'host:port'`, optionally `'user:pass@host:port'` for SASL).
   * The store creates a memjs client for them, owns it, and closes it on `close()`.
   * Keys are spread over the servers by memjs's hash of the key (modulo the number
   * of servers, in the order given: every process must list the same servers in
   * the same order). Default `['127.0.0.1:11211']`. Ignored when `client` is given.
   */
  readonly servers?: readonly string[] | undefined;
  /**
   * An existing memjs client. The caller owns it: `close()` leaves it open. Its
   * connections, SASL credentials, per-server `timeout` and `getServer` (key to
   * server hashing) are used; its `serializer`, `expires`, `retries` and `failover`
   * are bypassed: the store speaks the binary protocol itself over memjs's
   * connections and never resends a request or moves a key to another server.
   */
  readonly client?: Client | undefined;
  /**
   * Key prefix, **required**: a memcached server is often shared, and `flush()`
   * removes exactly this prefix's entries. 1–64 printable ASCII characters without
   * spaces.
   */
  readonly prefix: string;
  /**
   * Deadline of every request to a server (ms or a string such as `'2s'`). For a
   * client the store creates it is also memjs's `timeout` and connect timeout; for
   * an injected client it bounds each request in addition to the client's own
   * timeout. A call against a dead or hung server fails with a `StoreError` after
   * at most about this long (a compare-and-swap call makes two or three requests
   * in a row). Default 1000 ms.
   */
  readonly timeout?: Duration | undefined;
  /**
   * Largest value the store accepts (`capabilities.maxValueBytes`), in bytes.
   * Default 1,032,192: a default memcached item limit (`-I 1m`) minus 16 KiB kept
   * for the key, memcached's item header and this store's envelope. For servers
   * started with a larger `-I`, use that limit minus 16 KiB.
   */
  readonly maxValueBytes?: number | undefined;
  /**
   * How many times an optimistic compare-and-swap write (`increment`, `add` over an
   * expired entry, `deleteIfEquals`) is retried after losing a race before it fails
   * with `ConflictError`. Default 100.
   */
  readonly maxCasAttempts?: number | undefined;
  /**
   * Extra memjs options (SASL credentials, `keepAlive`, a `logger`, …) for a client
   * the store creates. `retries` and `failover` are forced off: nothing is resent
   * or moved to another server behind the caller's back.
   */
  readonly clientOptions?: (ClientOptions & ServerOptions) | undefined;
}

/** {@link MemcachedStoreOptions} with defaults applied and validated. */
export interface ResolvedMemcachedStoreOptions {
  readonly servers: readonly string[];
  readonly client: Client | undefined;
  readonly prefix: string;
  readonly timeoutMs: number;
  readonly maxValueBytes: number;
  /** `maxValueBytes` plus {@link ITEM_OVERHEAD_RESERVE}: the largest whole item written. */
  readonly maxItemBytes: number;
  readonly maxCasAttempts: number;
  readonly clientOptions: ClientOptions & ServerOptions;
}

/** Default server list. */
export const DEFAULT_MEMCACHED_SERVERS: readonly string[] = ['127.0.0.1:11211'];
/** Default item size limit of a memcached server (`-I 1m`). */
export const DEFAULT_MAX_ITEM_BYTES = 1024 * 1024;
/** Bytes of an item reserved for the key, memcached's item header and the envelope. */
export const ITEM_OVERHEAD_RESERVE = 16 * 1024;
/** Default largest value: the default item limit minus {@link ITEM_OVERHEAD_RESERVE}. */
export const DEFAULT_MAX_VALUE_BYTES = DEFAULT_MAX_ITEM_BYTES - ITEM_OVERHEAD_RESERVE;
/** Default per-request deadline in ms. */
export const DEFAULT_TIMEOUT_MS = 1000;
/** Default number of compare-and-swap attempts. */
export const DEFAULT_MAX_CAS_ATTEMPTS = 100;

const DRIVER = 'MemcachedStore';
/** Longest deadline a timer can hold (setTimeout's 32-bit limit). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** Option names that were renamed: passing the old one is a `ConfigError`, never silently ignored. */
const RENAMED_OPTIONS = { timeoutMs: 'timeout', maxItemBytes: 'maxValueBytes' } as const;

/** Printable ASCII without space: safe in memcached keys under both protocols. */
const PREFIX_PATTERN = /^[\x21-\x7e]{1,64}$/;
const SERVER_PATTERN = /^(?:[^@,\s]+@)?[^:@,\s]+(?::\d{1,5})?$/;

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(`${DRIVER} ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/**
 * Applies defaults and validates.
 *
 * @throws `ConfigError` for a missing or bad prefix, a renamed option, a bad server
 *   address, duration or number.
 */
export function resolveOptions(options: MemcachedStoreOptions): ResolvedMemcachedStoreOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(`${DRIVER} needs an options object with at least a prefix`);
  }
  assertNoRenamedOptions(options, RENAMED_OPTIONS, DRIVER);
  const prefix = resolvePrefix(options.prefix, { driver: DRIVER, required: true });
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new ConfigError(
      `${DRIVER} prefix must be 1-64 printable ASCII characters without spaces, got "${prefix}"`,
    );
  }
  const servers = options.servers ?? DEFAULT_MEMCACHED_SERVERS;
  if (options.client === undefined) {
    if (servers.length === 0) throw new ConfigError(`${DRIVER} servers must list at least one server`);
    for (const server of servers) {
      if (!SERVER_PATTERN.test(server)) {
        throw new ConfigError(`${DRIVER} server address must look like "host:port", got "${server}"`);
      }
    }
  }
  const timeoutMs = resolveDurationOption(options.timeout, `${DRIVER} timeout`, DEFAULT_TIMEOUT_MS);
  if (timeoutMs > MAX_TIMEOUT_MS) {
    throw new ConfigError(`${DRIVER} timeout must be at most ${MAX_TIMEOUT_MS} ms, got ${timeoutMs}`);
  }
  const maxValueBytes = positiveInteger('maxValueBytes', options.maxValueBytes, DEFAULT_MAX_VALUE_BYTES);
  return {
    servers: [...servers],
    client: options.client,
    prefix,
    timeoutMs,
    maxValueBytes,
    maxItemBytes: maxValueBytes + ITEM_OVERHEAD_RESERVE,
    maxCasAttempts: positiveInteger('maxCasAttempts', options.maxCasAttempts, DEFAULT_MAX_CAS_ATTEMPTS),
    clientOptions: options.clientOptions ?? {},
  };
}
