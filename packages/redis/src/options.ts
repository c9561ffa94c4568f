import type { Duration } from '@cache/core';
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';

/** Options of {@link RedisStore}. Give at most one of `client`, `url` and `clusterNodes`. */
export interface RedisStoreOptions {
  /**
   * An ioredis `Redis` (standalone or Sentinel) or `Cluster` client. The caller owns
   * it: the store never closes it and uses it with the caller's options as they are,
   * except ioredis' `keyPrefix`, which it refuses (`ConfigError`): ioredis applies it
   * to some of the store's commands and not others. Use the store's `prefix` instead.
   */
  readonly client?: Redis | Cluster | undefined;
  /**
   * `redis://[[user]:password@]host[:port][/db]` (or `rediss://` for TLS): the store
   * creates a standalone client, owns it and quits it on `close()`.
   */
  readonly url?: string | undefined;
  /**
   * Seed nodes of a Redis Cluster (`'host:port'` or `{ host, port }`): the store creates
   * an ioredis `Cluster`, owns it and quits it on `close()`.
   */
  readonly clusterNodes?: readonly (string | ClusterNode)[] | undefined;
  /**
   * Extra ioredis options for a client the store creates, applied over the store's
   * defaults (see the README). For Sentinel, pass `{ sentinels, name }` here without
   * `url`. With `clusterNodes` they become the Cluster's `redisOptions` (per node).
   */
  readonly redisOptions?: RedisOptions | undefined;
  /** Extra ioredis `Cluster` options, applied over the store's defaults (with `clusterNodes` only). */
  readonly clusterOptions?: ClusterOptions | undefined;
  /**
   * Namespace of this store (required; e.g. the service name). Keys are stored as
   * `<prefix>:<key>` with `% : * ? [ ] \ { }` of the prefix percent-encoded, so the
   * first `:` always ends the prefix, and `flush()` removes exactly this prefix's keys
   * (prefixes `a` and `a:b` never read or flush each other). Non-empty, well-formed.
   */
  readonly prefix: string;
  /**
   * Wraps the encoded prefix in a Cluster hash tag, `{<prefix>}:<key>`, so every key
   * of the store lives in one hash slot: `getMany`/`deleteMany` become one `MGET` /
   * `UNLINK`, at the price of putting the whole prefix (its memory and its traffic)
   * on one master. Default `false` (keys spread over all slots). Changes every key
   * name, so switching it on or off starts from an empty cache.
   */
  readonly hashTag?: boolean | undefined;
  /**
   * Deadline of every store call (a number of ms or a string such as `'500ms'`,
   * `'5s'`), default {@link DEFAULT_TIMEOUT_MS}. A call that gets no reply in time
   * (a frozen or overloaded server, a network that drops packets) rejects with
   * `CacheTimeoutError`; its command may still run on the server later. `flush()`
   * applies it to each of its `SCAN`/`UNLINK` round trips, not to the whole scan.
   * Must be positive.
   */
  readonly timeout?: Duration | undefined;
}

/** Redis' own cap on a string value. */
export const REDIS_MAX_VALUE_BYTES = 512 * 1024 * 1024;

/** Default {@link RedisStoreOptions.timeout} of every store call, in ms. */
export const DEFAULT_TIMEOUT_MS = 5_000;

/** Default `connectTimeout` (ms) of a client the store creates. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 2_000;

/**
 * Connection behaviour of a client the store creates. A cache must fail fast when
 * its backend is down (the application then falls back to its source of truth),
 * never park requests in a queue:
 *
 * - `enableOfflineQueue: false`: while disconnected, a command is rejected at once
 *   instead of waiting for a reconnect. (The store itself waits, bounded by
 *   `connectTimeout`, for the very first connection only.)
 * - `maxRetriesPerRequest: 0`: commands in flight when the connection drops are
 *   rejected at that moment and never silently re-sent after a reconnect.
 * - `autoResendUnfulfilledCommands: false`: same intent, made explicit.
 * - `connectTimeout: 2000`: an unreachable host (packets dropped) errors after 2 s.
 * - `enableAutoPipelining: true`: commands issued in the same event-loop tick share
 *   one write (and, on a Cluster, one write per node).
 *
 * Reconnection keeps ioredis' default capped backoff, in the background.
 *
 * No `commandTimeout`: ioredis arms a timer per command for it, which costs about
 * 1–2 µs of CPU per call (measured). The store's own `timeout` bounds every call
 * instead, with one timer shared by all calls in flight.
 */
export function defaultRedisOptions(): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: DEFAULT_CONNECT_TIMEOUT_MS,
    enableAutoPipelining: true,
  };
}

/** Cluster-level defaults of a Cluster the store creates (same intent as {@link defaultRedisOptions}). */
export function defaultClusterOptions(): ClusterOptions {
  return {
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    // A moved slot is followed a few times, then the caller gets an error.
    maxRedirections: 4,
  };
}
