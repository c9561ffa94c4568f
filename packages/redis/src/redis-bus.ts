import {
  type Bus,
  type BusListener,
  type BusMessage,
  type BusPublishOptions,
  type BusSubscription,
  CacheTimeoutError,
  DeadlineQueue,
  decodeBusMessage,
  encodeBusMessage,
  StoreLifecycle,
  untilAborted,
} from '@cache/core';
import type { Cluster, Redis } from 'ioredis';
import { createClient, FirstConnection, quit, type RedisClient } from './client.js';
import { toStoreError } from './errors.js';
import { type RedisBusOptions, resolveRedisBusOptions } from './redis-bus-options.js';
import {
  RedisBusSubscriber,
  SUBSCRIBER_OVERRIDES,
  type RedisBusConnectionInfo,
} from './redis-bus-subscriber.js';

export type { RedisBusConnectionInfo } from './redis-bus-subscriber.js';
export {
  DEFAULT_BUS_TIMEOUT_MS,
  DEFAULT_CHANNEL_PREFIX,
  DEFAULT_PING_INTERVAL_MS,
  type RedisBusOptions,
} from './redis-bus-options.js';

/**
 * A {@link Bus} on Redis pub/sub: the coherence channel of the hybrid tier
 * (`new Cache({ store, l1, bus: new RedisBus({ url, channel: 'shop' }) })`).
 *
 * - Messages are the binary format of `encodeBusMessage`, published with `PUBLISH`
 *   on the publisher connection (the injected client, or one the bus owns) and
 *   received on a dedicated subscriber connection (a connection in subscriber mode
 *   can do nothing else).
 * - `publish` resolves once Redis answered the `PUBLISH` (the message reached the
 *   server, which forwards it to the subscribers connected at that moment; at most
 *   once, never stored). It fails fast with a `StoreError` while disconnected (no
 *   offline queue) and with a `CacheTimeoutError` after `timeout`.
 * - On a Cluster, `PUBLISH` is broadcast to every node by the cluster bus; the bus
 *   publishes through one pinned master so that one sender's messages keep their
 *   order, and subscribes on a connection to one node (moving to another when it
 *   fails).
 * - `lost()` is reported when the subscriber connection ends (killed, server
 *   down, heartbeat unanswered); `restored()` once a new connection is subscribed.
 */
export class RedisBus implements Bus {
  /** Implementation name. */
  readonly name = 'redis';
  /** The Redis pub/sub channel (`<channelPrefix><channel>`). */
  readonly channel: string;
  readonly #publisher: RedisClient;
  readonly #owned: boolean;
  readonly #first: FirstConnection;
  readonly #lifecycle = new StoreLifecycle('redis bus');
  readonly #deadlines: DeadlineQueue;
  readonly #timeoutMs: number;
  readonly #onBackgroundError: (error: unknown) => void;
  readonly #subscriber: RedisBusSubscriber;
  readonly #listeners = new Set<BusListener>();
  #pin: Redis | undefined;
  #rotation = Math.floor(Math.random() * 1_000);
  #closing: Promise<void> | undefined;

  /**
   * @param options - connection, channel and deadlines (see {@link RedisBusOptions})
   * @throws `ConfigError` for invalid options
   */
  constructor(options: RedisBusOptions) {
    const resolved = resolveRedisBusOptions(options);
    this.channel = resolved.channel;
    this.#timeoutMs = resolved.timeoutMs;
    this.#onBackgroundError = resolved.onBackgroundError;
    this.#deadlines = new DeadlineQueue(resolved.timeoutMs);
    this.#owned = options.client === undefined;
    this.#publisher =
      options.client ??
      createClient({
        url: options.url,
        clusterNodes: options.clusterNodes,
        redisOptions: options.redisOptions,
        clusterOptions: options.clusterOptions,
        prefix: 'bus',
      });
    // An owned client reconnects in the background; without a listener, ioredis
    // would print each failed attempt as an unhandled error event.
    if (this.#owned) this.#publisher.on('error', (error: unknown) => this.#onBackgroundError(error));
    this.#first = new FirstConnection(this.#publisher, this.#owned);
    this.#subscriber = new RedisBusSubscriber(
      () => this.#openSubscriber(),
      this.channel,
      {
        message: (payload) => this.#deliver(payload),
        lost: () => this.#notify('lost'),
        restored: () => this.#notify('restored'),
        error: (error) => this.#onBackgroundError(error),
      },
      resolved.timeoutMs,
      resolved.pingIntervalMs,
    );
  }

  /**
   * Where the subscriber connection is while the subscription is active (host, port
   * and `CLIENT ID`), e.g. to find it in `CLIENT LIST`; `undefined` otherwise.
   */
  get subscriberConnection(): RedisBusConnectionInfo | undefined {
    return this.#subscriber.info;
  }

  /**
   * Publishes `message` to every subscriber of the channel.
   *
   * @throws `StoreError` when it could not be sent (disconnected, server error),
   * `CacheTimeoutError` without a reply within `timeout` (it may have been sent),
   * `StoreClosedError` after `close()`, `signal.reason` when aborted
   */
  publish(message: BusMessage, options?: BusPublishOptions): Promise<void> {
    const signal = options?.signal;
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    const sent = this.#lifecycle.run(() => this.#publish(message));
    return signal === undefined ? sent : untilAborted(sent, signal);
  }

  /**
   * Subscribes `listener`; resolves once the subscription is active (the first
   * listener opens the subscriber connection), or rejects with a `StoreError` when
   * it is not within `timeout`.
   */
  subscribe(listener: BusListener): Promise<BusSubscription> {
    return this.#lifecycle.run(async () => {
      this.#subscriber.start();
      try {
        // Loop: the connection may drop between activation and this continuation.
        while (!this.#subscriber.active) await this.#subscriber.whenActive(this.#timeoutMs);
      } catch (error) {
        if (this.#listeners.size === 0) await this.#subscriber.stop();
        throw error;
      }
      this.#listeners.add(listener);
      let done = false;
      return {
        unsubscribe: async () => {
          if (done) return;
          done = true;
          this.#listeners.delete(listener);
          if (this.#listeners.size === 0 && this.#closing === undefined) await this.#subscriber.stop();
        },
      };
    });
  }

  /**
   * Stops the subscriber connection, waits for publishes in flight, then quits the
   * publisher connection if the bus created it (an injected client stays open).
   * Idempotent.
   */
  close(): Promise<void> {
    if (this.#closing === undefined) {
      this.#listeners.clear();
      const stopped = this.#subscriber.stop();
      this.#closing = this.#lifecycle.close(async () => {
        await stopped;
        if (this.#owned) await quit(this.#publisher);
      });
    }
    return this.#closing;
  }

  async #publish(message: BusMessage): Promise<void> {
    const bytes = encodeBusMessage(message);
    const payload = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const first = this.#first.wait();
    if (first !== undefined) await first;
    const target = this.#target();
    try {
      // A Cluster's node connections are lazy: the pinned one may not be open yet.
      if (target !== this.#publisher && target.status !== 'ready') await this.#ready(target as Redis);
      await this.#deadlines.track(target.publish(this.channel, payload), this.#timeoutError);
    } catch (error) {
      throw toStoreError('publish', error);
    }
  }

  readonly #timeoutError = (): Error => new CacheTimeoutError('redis bus publish', this.#timeoutMs, true);

  /**
   * Where to publish: the client, or on a Cluster one master, always the same while
   * it lives. `PUBLISH` has no key, so ioredis would send each one to a random
   * node; two messages of one sender leaving by two nodes could overtake each
   * other on their way to a subscriber.
   */
  #target(): Redis | Cluster {
    const client = this.#publisher;
    if (!client.isCluster) return client;
    const pinned = this.#pin;
    if (pinned !== undefined && pinned.status !== 'end') return pinned;
    const masters = sortedNodes(client as Cluster, 'master');
    this.#pin = masters[0];
    // No topology yet: let the Cluster route it (and fail fast if it is not ready).
    return this.#pin ?? client;
  }

  /** Waits (within `timeout`) for a lazily connected Cluster node connection to be ready. */
  #ready(node: Redis): Promise<void> {
    if (node.status === 'wait') node.connect().catch(() => {});
    if (node.status !== 'connecting' && node.status !== 'connect') return Promise.resolve();
    const ready = new Promise<void>((resolve, reject) => {
      const onReady = (): void => {
        node.off('end', onEnd);
        resolve();
      };
      const onEnd = (): void => {
        node.off('ready', onReady);
        reject(new Error('connection ended'));
      };
      node.once('ready', onReady);
      node.once('end', onEnd);
    });
    return this.#deadlines.track(ready, this.#timeoutError);
  }

  /** A new subscriber connection: a duplicate of the client, or on a Cluster of the next node's connection. */
  #openSubscriber(): Redis {
    const client = this.#publisher;
    if (!client.isCluster)
      return (client as Redis).duplicate({ ...SUBSCRIBER_OVERRIDES, failoverDetector: false });
    const nodes = sortedNodes(client as Cluster, 'all');
    const node = nodes[this.#rotation++ % Math.max(1, nodes.length)];
    if (node === undefined) throw new Error('no Redis Cluster node known yet');
    return node.duplicate(SUBSCRIBER_OVERRIDES);
  }

  #deliver(payload: Buffer): void {
    let message: BusMessage;
    try {
      message = decodeBusMessage(payload);
    } catch (error) {
      // Someone else's payload on our channel: ignore it, never crash.
      this.#onBackgroundError(error);
      return;
    }
    for (const listener of this.#listeners) {
      try {
        listener.message(message);
      } catch (error) {
        this.#onBackgroundError(error);
      }
    }
  }

  #notify(event: 'lost' | 'restored'): void {
    for (const listener of this.#listeners) {
      try {
        listener[event]();
      } catch (error) {
        this.#onBackgroundError(error);
      }
    }
  }
}

/** The Cluster's live node connections of `role`, in a stable order. */
function sortedNodes(cluster: Cluster, role: 'master' | 'all'): Redis[] {
  const key = (node: Redis): string => `${node.options.host}:${node.options.port}`;
  return cluster
    .nodes(role)
    .filter((node) => node.status !== 'end')
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
