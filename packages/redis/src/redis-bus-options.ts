import { ConfigError, type Duration, describeType, resolveDurationOption } from '@cache/core';
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';

/**
 * Options of {@link RedisBus}. Give at most one of `client`, `url` and
 * `clusterNodes` (none: `redis://127.0.0.1:6379`).
 */
export interface RedisBusOptions {
  /**
   * Name of the coherence channel: every node whose L1 sits in front of the same L2
   * data must use the same channel, and data sets that never share entries should
   * use different ones. Advice: **one channel per L2 prefix**, e.g. the store's
   * `prefix` (`'shop'`). The Redis channel is `<channelPrefix><channel>`.
   * Required; a non-empty, well-formed string.
   */
  readonly channel: string;
  /**
   * Prepended to `channel` to form the Redis pub/sub channel name, so that the bus
   * never shares a channel with an application's own pub/sub. Default
   * {@link DEFAULT_CHANNEL_PREFIX} (`'cache:bus:'`); `''` uses `channel` as it is.
   */
  readonly channelPrefix?: string | undefined;
  /**
   * An ioredis `Redis` (standalone or Sentinel) or `Cluster` client the caller owns.
   * The bus publishes with it and never closes it. It subscribes on a connection of
   * its own: `client.duplicate()` for a `Redis`; for a `Cluster`, a connection to one
   * of its nodes (duplicated from that node's connection), see the README.
   */
  readonly client?: Redis | Cluster | undefined;
  /** `redis://…` or `rediss://…`: the bus creates (and closes) its publisher and subscriber connections. */
  readonly url?: string | undefined;
  /** Seed nodes of a Redis Cluster: the bus creates (and closes) a `Cluster` to publish with. */
  readonly clusterNodes?: readonly (string | ClusterNode)[] | undefined;
  /** Extra ioredis options for connections the bus creates (with `clusterNodes`: per node). */
  readonly redisOptions?: RedisOptions | undefined;
  /** Extra ioredis `Cluster` options (with `clusterNodes` only). */
  readonly clusterOptions?: ClusterOptions | undefined;
  /**
   * Deadline (ms or `'2s'`) of one publish (`CacheTimeoutError` after it), of one
   * attempt to (re)open and subscribe the subscriber connection, of a `subscribe()`
   * call waiting for the subscription to be active, and of one heartbeat `PING`.
   * Default {@link DEFAULT_BUS_TIMEOUT_MS}.
   */
  readonly timeout?: Duration | undefined;
  /**
   * How often the subscriber connection is probed with a `PING` (ms or `'2s'`; `0`
   * turns it off). A subscriber only reads, so a connection that died without a TCP
   * reset (a partition, a frozen server) would otherwise go unnoticed and the node
   * would keep serving L1 entries it gets no invalidations for. A `PING` without a
   * reply within `timeout` drops the connection: `lost()`, then reconnection.
   * Default {@link DEFAULT_PING_INTERVAL_MS}.
   */
  readonly pingInterval?: Duration | undefined;
  /**
   * Receives what goes wrong in the background: a payload on the channel that is
   * not a bus message (ignored), a listener that threw, a failed (re)connection
   * attempt of the subscriber connection. Default: ignored.
   */
  readonly onBackgroundError?: ((error: unknown) => void) | undefined;
}

/** Default {@link RedisBusOptions.channelPrefix}. */
export const DEFAULT_CHANNEL_PREFIX = 'cache:bus:';

/** Default {@link RedisBusOptions.timeout}, in ms. */
export const DEFAULT_BUS_TIMEOUT_MS = 2_000;

/** Default {@link RedisBusOptions.pingInterval}, in ms. */
export const DEFAULT_PING_INTERVAL_MS = 2_000;

/** {@link RedisBusOptions} validated, with defaults applied. */
export interface ResolvedRedisBusOptions {
  readonly channel: string;
  readonly timeoutMs: number;
  readonly pingIntervalMs: number;
  readonly onBackgroundError: (error: unknown) => void;
}

/**
 * Validates the options that do not concern the connection.
 *
 * @throws {@link ConfigError} for a missing or malformed channel, a bad duration,
 * several connection options at once, or a URL that is not `redis://`/`rediss://`
 */
export function resolveRedisBusOptions(options: RedisBusOptions): ResolvedRedisBusOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('RedisBus needs options with at least a channel');
  }
  const channel = busChannelName(options.channel, 'RedisBus channel', false);
  const prefix =
    options.channelPrefix === undefined
      ? DEFAULT_CHANNEL_PREFIX
      : busChannelName(options.channelPrefix, 'RedisBus channelPrefix', true);
  const given = (['client', 'url', 'clusterNodes'] as const).filter((name) => options[name] !== undefined);
  if (given.length > 1) {
    throw new ConfigError(`RedisBus takes one of client, url and clusterNodes, got ${given.join(' and ')}`);
  }
  if (options.url !== undefined && !/^rediss?:\/\//.test(options.url)) {
    throw new ConfigError('RedisBus url must start with redis:// or rediss://');
  }
  if (options.clusterNodes?.length === 0) throw new ConfigError('RedisBus clusterNodes must not be empty');
  const onBackgroundError = options.onBackgroundError ?? (() => {});
  if (typeof onBackgroundError !== 'function') {
    throw new ConfigError(
      `RedisBus onBackgroundError must be a function, got ${describeType(onBackgroundError)}`,
    );
  }
  return {
    channel: `${prefix}${channel}`,
    timeoutMs: resolveDurationOption(options.timeout, 'RedisBus timeout', DEFAULT_BUS_TIMEOUT_MS),
    pingIntervalMs: resolveDurationOption(
      options.pingInterval,
      'RedisBus pingInterval',
      DEFAULT_PING_INTERVAL_MS,
      true,
    ),
    onBackgroundError,
  };
}

/** A channel name (or prefix): a well-formed string, non-empty unless `allowEmpty`. */
function busChannelName(value: unknown, what: string, allowEmpty: boolean): string {
  if (value === undefined) throw new ConfigError(`${what} is required (advice: the store's prefix)`);
  if (typeof value !== 'string')
    throw new ConfigError(`${what} must be a string, got ${describeType(value)}`);
  if (!allowEmpty && value.length === 0) throw new ConfigError(`${what} must not be empty`);
  if (!value.isWellFormed()) throw new ConfigError(`${what} contains a lone UTF-16 surrogate`);
  return value;
}
