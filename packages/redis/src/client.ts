import { ConfigError } from '@cache/core';
import { Cluster, Redis } from 'ioredis';
import { toStoreError } from './errors.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  defaultClusterOptions,
  defaultRedisOptions,
  type RedisStoreOptions,
} from './options.js';

/** Either kind of ioredis client the store works with. */
export type RedisClient = Redis | Cluster;

const DEFAULT_URL = 'redis://127.0.0.1:6379';

/** The client for `options` (url, cluster nodes or Sentinel/host options); the store owns it. */
export function createClient(options: RedisStoreOptions): RedisClient {
  if (options.clusterNodes !== undefined) {
    if (options.clusterNodes.length === 0) throw new ConfigError('RedisStore clusterNodes must not be empty');
    return new Cluster([...options.clusterNodes], {
      ...defaultClusterOptions(),
      ...options.clusterOptions,
      redisOptions: {
        ...defaultRedisOptions(),
        ...options.clusterOptions?.redisOptions,
        ...options.redisOptions,
      },
    });
  }
  const redisOptions = {
    ...defaultRedisOptions(),
    // Through Sentinel, follow a failover as soon as the Sentinels announce it: without
    // the detector a graceful failover leaves the store writing to the demoted primary
    // for ~10 s, and those writes (and locks) are lost.
    ...(options.redisOptions?.sentinels !== undefined ? { failoverDetector: true } : {}),
    ...options.redisOptions,
  };
  // Sentinel (or host/port given in redisOptions): no URL needed.
  if (
    options.url === undefined &&
    (options.redisOptions?.sentinels !== undefined || options.redisOptions?.host)
  ) {
    return new Redis(redisOptions);
  }
  const url = options.url ?? DEFAULT_URL;
  if (!/^rediss?:\/\//.test(url))
    throw new ConfigError(`RedisStore url must start with redis:// or rediss://`);
  return new Redis(url, redisOptions);
}

/**
 * Refuses ioredis' `keyPrefix`, on an injected client or in the options of one the
 * store would create. ioredis adds it only to commands built through its generated
 * methods and pipelines, not to commands written directly (the store's fast path
 * for a lone command) nor to `SCAN MATCH` patterns: the store would write some keys
 * with it and some without, and `flush()` would miss them.
 */
export function assertNoKeyPrefix(options: RedisStoreOptions): void {
  const found = [
    ['client', keyPrefixOf(options.client?.options)],
    ['client (redisOptions)', keyPrefixOf(redisOptionsOf(options.client))],
    ['redisOptions', keyPrefixOf(options.redisOptions)],
    ['clusterOptions', keyPrefixOf(options.clusterOptions)],
    ['clusterOptions.redisOptions', keyPrefixOf(options.clusterOptions?.redisOptions)],
  ].find(([, keyPrefix]) => keyPrefix !== undefined);
  if (found === undefined) return;
  const [where, keyPrefix] = found as [string, string];
  throw new ConfigError(
    `RedisStore cannot use ioredis keyPrefix ${JSON.stringify(keyPrefix)} (set in ${where}): ioredis ` +
      "applies it to some of the store's commands and not to others, so entries would be written " +
      "under two names and flush() would miss some. Remove keyPrefix and pass the store's prefix " +
      "option instead (prefix: 'app' stores keys as 'app:<key>', as keyPrefix 'app:' did).",
  );
}

function keyPrefixOf(options: unknown): string | undefined {
  const keyPrefix = (options as { keyPrefix?: unknown } | undefined)?.keyPrefix;
  return typeof keyPrefix === 'string' && keyPrefix.length > 0 ? keyPrefix : undefined;
}

function redisOptionsOf(client: RedisClient | undefined): unknown {
  return client?.isCluster === true ? (client as Cluster).options.redisOptions : undefined;
}

/** The `connectTimeout` a client was configured with. */
export function connectTimeoutOf(client: RedisClient): number {
  const options = client.options as { connectTimeout?: number; redisOptions?: { connectTimeout?: number } };
  return options.connectTimeout ?? options.redisOptions?.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS;
}

/**
 * With the offline queue disabled, a command sent before the first connection is up
 * would be rejected; so until a client the store created has been ready once,
 * operations wait for it (bounded by `connectTimeout`). After that, a disconnected
 * client fails fast: a cache outage must not add latency to every request.
 */
export class FirstConnection {
  readonly #client: RedisClient;
  readonly #owned: boolean;
  readonly #timeoutMs: number;
  #everReady = false;
  #pending: Promise<void> | undefined;

  /**
   * @param client - the client to watch
   * @param owned - whether the store created it (an injected client is used as it is)
   */
  constructor(client: RedisClient, owned: boolean) {
    this.#client = client;
    this.#owned = owned;
    this.#timeoutMs = connectTimeoutOf(client);
    if (client.status === 'ready') this.#everReady = true;
  }

  /** `undefined` once the client has been ready (the common case: no promise), else the wait. */
  wait(): Promise<void> | undefined {
    if (this.#everReady) return undefined;
    if (this.#client.status === 'ready') {
      this.#everReady = true;
      return undefined;
    }
    if (!this.#owned) return undefined;
    return this.#waitForReady();
  }

  #waitForReady(): Promise<void> {
    const client = this.#client;
    const status = client.status;
    if (status === 'end' || status === 'close' || status === 'reconnecting') {
      return Promise.reject(toStoreError('connect', new Error(`connection is ${status}`)));
    }
    this.#pending ??= new Promise<void>((resolve, reject) => {
      const finish = (error?: unknown): void => {
        clearTimeout(timer);
        client.off('ready', onReady);
        client.off('error', onError);
        client.off('end', onEnd);
        this.#pending = undefined;
        if (error === undefined) resolve();
        else reject(toStoreError('connect', error));
      };
      const onReady = (): void => {
        this.#everReady = true;
        finish();
      };
      const onError = (error: unknown): void => finish(error);
      const onEnd = (): void => finish(new Error('connection ended'));
      const timer = setTimeout(
        () => finish(new Error(`not connected within ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
      client.once('ready', onReady);
      client.once('error', onError);
      client.once('end', onEnd);
    });
    return this.#pending;
  }
}

/**
 * Quits gracefully when connected (pending replies arrive first) and resolves once
 * the connection is gone; after `graceMs` without that (a frozen server never answers
 * `QUIT`), drops the connection instead.
 */
export async function quit(client: RedisClient, graceMs = 1_000): Promise<void> {
  if (client.status === 'end') return;
  const ended = new Promise<boolean>((resolve) => client.once('end', () => resolve(true)));
  if (client.status === 'ready') {
    // Closing a broken connection: dropping it is all that is left to do.
    client.quit().catch(() => client.disconnect());
  } else {
    client.disconnect();
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), graceMs);
  });
  const quitInTime = await Promise.race([ended, late]);
  clearTimeout(timer);
  // After a clean QUIT only with Sentinels: with the failoverDetector ioredis 5 keeps
  // one subscription per Sentinel open after quit() (redis/ioredis#1362), and
  // disconnect() closes those. Elsewhere a disconnect() after the socket closed arms a
  // 2 s reconnect-guard timer nothing clears, keeping the process alive after close().
  const usesSentinels = (client as { options?: { sentinels?: unknown } }).options?.sentinels != null;
  if (!quitInTime || usesSentinels) client.disconnect();
}
