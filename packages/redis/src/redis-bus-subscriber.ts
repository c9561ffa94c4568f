import { CacheTimeoutError, StoreClosedError, StoreError } from '@cache/core';
import type { Redis, RedisOptions } from 'ioredis';

/** What the subscriber connection reports to its bus. */
export interface SubscriberEvents {
  /** A payload published on the channel (not decoded yet). */
  message(payload: Buffer): void;
  /** The subscription was active and is not any more. */
  lost(): void;
  /** After a {@link SubscriberEvents.lost}: subscribed again, on a new connection. */
  restored(): void;
  /** A failed connection attempt or heartbeat. */
  error(error: unknown): void;
}

/** Where the subscriber connection is, for diagnostics (`CLIENT KILL ID <id>`). */
export interface RedisBusConnectionInfo {
  /** Host of the server (on a Cluster: of the node) the connection goes to. */
  readonly host: string;
  /** Its port. */
  readonly port: number;
  /** The server's id of the connection (`CLIENT ID`). */
  readonly id: number;
}

/**
 * Options of every subscriber connection. ioredis' own reconnection is off: the
 * subscriber opens a new connection itself after a loss, which is what makes the
 * loss and the recovery observable (and lets a Cluster subscriber move to another
 * node). `lazyConnect` so that handlers are attached before it connects.
 */
export const SUBSCRIBER_OVERRIDES: Partial<RedisOptions> = {
  lazyConnect: true,
  retryStrategy: () => null,
  reconnectOnError: null,
  autoResubscribe: false,
  autoResendUnfulfilledCommands: false,
  enableOfflineQueue: false,
  enableReadyCheck: true,
  maxRetriesPerRequest: 0,
};

const MAX_RETRY_DELAY_MS = 1_000;

/**
 * The bus's dedicated subscriber connection, kept subscribed to one channel.
 *
 * Each connection is opened by `open()` (a new ioredis client), asked for its
 * `CLIENT ID`, then subscribed; only then is the subscription active. When it
 * ends (killed, server gone, heartbeat unanswered), `lost()` is reported once and a
 * new connection is opened at once, then with a capped backoff (50 ms doubling to
 * 1 s); `restored()` follows once one is subscribed again.
 */
export class RedisBusSubscriber {
  readonly #open: () => Redis;
  readonly #channel: string;
  readonly #events: SubscriberEvents;
  readonly #timeoutMs: number;
  readonly #pingIntervalMs: number;
  #connection: Redis | undefined;
  #info: RedisBusConnectionInfo | undefined;
  #running = false;
  #lost = false;
  #attempt = 0;
  #lastError: unknown;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #pingTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #waiters = new Set<{ resolve(): void; reject(error: unknown): void }>();

  /**
   * @param open - creates a new (lazy, not yet connected) subscriber connection
   * @param channel - the channel to subscribe to
   * @param events - where messages and state changes go
   * @param timeoutMs - deadline of one connection attempt and of one heartbeat
   * @param pingIntervalMs - heartbeat period, 0 for none
   */
  constructor(
    open: () => Redis,
    channel: string,
    events: SubscriberEvents,
    timeoutMs: number,
    pingIntervalMs: number,
  ) {
    this.#open = open;
    this.#channel = channel;
    this.#events = events;
    this.#timeoutMs = timeoutMs;
    this.#pingIntervalMs = pingIntervalMs;
  }

  /** Whether the subscription is active right now. */
  get active(): boolean {
    return this.#info !== undefined;
  }

  /** Where the active subscription is. */
  get info(): RedisBusConnectionInfo | undefined {
    return this.#info;
  }

  /** Starts connecting (idempotent). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#lost = false;
    this.#attempt = 0;
    this.#connect();
  }

  /** Resolves once the subscription is active; rejects after `timeoutMs` (or on {@link stop}). */
  whenActive(timeoutMs: number): Promise<void> {
    if (this.active) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        const cause = this.#lastError ?? new CacheTimeoutError('redis bus subscribe', timeoutMs);
        reject(new StoreError('redis', 'subscribe', cause));
      }, timeoutMs);
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.#waiters.add(waiter);
    });
  }

  /** Stops: closes the connection, stops reconnecting, rejects pending {@link whenActive} calls. */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#pingTimer);
    const connection = this.#connection;
    this.#connection = undefined;
    this.#info = undefined;
    for (const waiter of this.#waiters) waiter.reject(new StoreClosedError('redis bus'));
    this.#waiters.clear();
    if (connection !== undefined) await disconnect(connection);
  }

  #connect(): void {
    this.#retryTimer = undefined;
    if (!this.#running) return;
    let connection: Redis;
    try {
      connection = this.#open();
    } catch (error) {
      this.#failed(error);
      this.#retry();
      return;
    }
    this.#connection = connection;
    connection.on('error', (error: unknown) => {
      this.#lastError = error;
    });
    connection.on('messageBuffer', (_channel: Buffer, payload: Buffer) => {
      if (this.#connection === connection) this.#events.message(payload);
    });
    connection.once('end', () => this.#ended(connection));
    // One deadline for the whole handshake: connect, CLIENT ID, SUBSCRIBE.
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      this.#failed(new CacheTimeoutError('redis bus subscriber connection', this.#timeoutMs));
      connection.disconnect();
    }, this.#timeoutMs);
    void (async () => {
      try {
        await connection.connect();
        // CLIENT ID is not allowed once in subscriber mode (RESP2): ask first.
        const id = Number(await connection.client('ID'));
        await connection.subscribe(this.#channel);
        clearTimeout(deadline);
        if (this.#connection !== connection) return;
        this.#activated(connection, id);
      } catch (error) {
        clearTimeout(deadline);
        if (!timedOut) this.#failed(error);
        connection.disconnect();
      }
    })();
  }

  #activated(connection: Redis, id: number): void {
    const { host, port } = connection.options;
    this.#info = { host: host ?? '127.0.0.1', port: port ?? 6379, id };
    this.#attempt = 0;
    this.#lastError = undefined;
    this.#heartbeat(connection);
    for (const waiter of this.#waiters) waiter.resolve();
    this.#waiters.clear();
    if (this.#lost) {
      this.#lost = false;
      this.#events.restored();
    }
  }

  #ended(connection: Redis): void {
    if (this.#connection !== connection) return;
    this.#connection = undefined;
    clearTimeout(this.#pingTimer);
    if (this.#info !== undefined) {
      this.#info = undefined;
      this.#lost = true;
      this.#events.lost();
    }
    this.#retry();
  }

  #retry(): void {
    if (!this.#running) return;
    const delay = this.#attempt === 0 ? 0 : Math.min(50 * 2 ** (this.#attempt - 1), MAX_RETRY_DELAY_MS);
    this.#attempt++;
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
    this.#retryTimer.unref?.();
  }

  #failed(error: unknown): void {
    this.#lastError = error;
    this.#events.error(new StoreError('redis', 'subscribe', error));
  }

  /** A PING every interval; no reply within the deadline drops the connection (and so reports the loss). */
  #heartbeat(connection: Redis): void {
    if (this.#pingIntervalMs === 0) return;
    this.#pingTimer = setTimeout(() => {
      if (this.#connection !== connection) return;
      const deadline = setTimeout(() => {
        this.#failed(new CacheTimeoutError('redis bus heartbeat', this.#timeoutMs));
        connection.disconnect();
      }, this.#timeoutMs);
      deadline.unref?.();
      connection.ping().then(
        () => {
          clearTimeout(deadline);
          this.#heartbeat(connection);
        },
        (error: unknown) => {
          clearTimeout(deadline);
          this.#failed(error);
          connection.disconnect();
        },
      );
    }, this.#pingIntervalMs);
    this.#pingTimer.unref?.();
  }
}

/** Drops `connection` and resolves once ioredis reports it ended (at most 1 s). */
async function disconnect(connection: Redis): Promise<void> {
  if (connection.status === 'end') return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ended = new Promise<void>((resolve) => {
    connection.once('end', () => resolve());
    timer = setTimeout(resolve, 1_000);
  });
  connection.disconnect();
  await ended;
  clearTimeout(timer);
}
