import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';

/** Options of {@link RedisStore}. Give at most one of `client`, `url` and `clusterNodes`. */
export interface RedisStoreOptions {
  /**
   * An ioredis `Redis` (standalone or Sentinel) or `Cluster` client. The caller owns
   * it: the store never closes it and uses it with the caller's options as they are.
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
   * Namespace of this store: keys are stored as `<prefix>:<key>` and `flush()` removes
   * exactly `<prefix>:*`. Default `'app'`. Must be non-empty.
   */
  readonly prefix?: string | undefined;
}

/** Redis' own cap on a string value. */
export const REDIS_MAX_VALUE_BYTES = 512 * 1024 * 1024;

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
 * No `commandTimeout` by default: ioredis arms a timer per command for it, which
 * costs about 1–2 µs of CPU per call (measured). A server that is connected but
 * frozen is better bounded with the facade's `timeout` option, or by passing
 * `redisOptions: { commandTimeout }`.
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
