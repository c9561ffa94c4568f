import { ConfigError } from '@cache/core';
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
   * Key prefix: `flush()` removes exactly this prefix's entries. 1–64 printable
   * ASCII characters without spaces. Default `'app'`.
   */
  readonly prefix?: string | undefined;
  /**
   * Deadline in ms of every request to a server. For a client the store creates
   * it is also memjs's `timeout` and connect timeout; for an injected client it
   * bounds each request in addition to the client's own timeout. A call against
   * a dead or hung server fails with a `StoreError` after at most about this long
   * (a compare-and-swap call makes two or three requests in a row). Default 1000.
   */
  readonly timeoutMs?: number | undefined;
  /**
   * The servers' item size limit in bytes (memcached `-I`, default 1 MiB). The
   * advertised `capabilities.maxValueBytes` is this minus 16 KiB, room for the key,
   * memcached's item header and this store's envelope. Default 1,048,576.
   */
  readonly maxItemBytes?: number | undefined;
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
/** Default per-request deadline in ms. */
export const DEFAULT_TIMEOUT_MS = 1000;
/** Default number of compare-and-swap attempts. */
export const DEFAULT_MAX_CAS_ATTEMPTS = 100;

/** Printable ASCII without space: safe in memcached keys under both protocols. */
const PREFIX_PATTERN = /^[\x21-\x7e]{1,64}$/;
const SERVER_PATTERN = /^(?:[^@,\s]+@)?[^:@,\s]+(?::\d{1,5})?$/;

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ConfigError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/**
 * Applies defaults and validates.
 *
 * @throws `ConfigError` for a bad prefix, server address or number.
 */
export function resolveOptions(options: MemcachedStoreOptions): ResolvedMemcachedStoreOptions {
  const prefix = options.prefix ?? 'app';
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new ConfigError(`prefix must be 1-64 printable ASCII characters without spaces, got "${prefix}"`);
  }
  const servers = options.servers ?? DEFAULT_MEMCACHED_SERVERS;
  if (options.client === undefined) {
    if (servers.length === 0) throw new ConfigError('servers must list at least one memcached server');
    for (const server of servers) {
      if (!SERVER_PATTERN.test(server)) {
        throw new ConfigError(`server address must look like "host:port", got "${server}"`);
      }
    }
  }
  const maxItemBytes = positiveInteger('maxItemBytes', options.maxItemBytes, DEFAULT_MAX_ITEM_BYTES);
  if (maxItemBytes <= ITEM_OVERHEAD_RESERVE) {
    throw new ConfigError(`maxItemBytes must exceed ${ITEM_OVERHEAD_RESERVE}, got ${maxItemBytes}`);
  }
  return {
    servers: [...servers],
    client: options.client,
    prefix,
    timeoutMs: positiveInteger('timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS),
    maxItemBytes,
    maxCasAttempts: positiveInteger('maxCasAttempts', options.maxCasAttempts, DEFAULT_MAX_CAS_ATTEMPTS),
    clientOptions: options.clientOptions ?? {},
  };
}
