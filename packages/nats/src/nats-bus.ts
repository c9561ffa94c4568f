import {
  type Bus,
  type BusListener,
  type BusMessage,
  type BusPublishOptions,
  type BusSubscription,
  CacheError,
  CacheTimeoutError,
  DeadlineQueue,
  decodeBusMessage,
  encodeBusMessage,
  StoreClosedError,
  StoreError,
  StoreLifecycle,
  untilAborted,
} from '@cache/core';
import { connect, Events, type NatsConnection, type Status, type Subscription } from 'nats';
import {
  type NatsBusOptions,
  type ResolvedNatsBusOptions,
  resolveNatsBusOptions,
} from './nats-bus-options.js';
import { NatsDisconnectedError } from './nats-session.js';

export {
  DEFAULT_NATS_BUS_TIMEOUT_MS,
  DEFAULT_SUBJECT_PREFIX,
  type NatsBusOptions,
} from './nats-bus-options.js';

const DRIVER = 'nats';

/**
 * A {@link Bus} on NATS core pub/sub (not JetStream): the coherence channel of the
 * hybrid tier (`new Cache({ store, l1, bus: new NatsBus({ servers, channel: 'shop' }) })`).
 *
 * - One subject, `<subjectPrefix>.<channel>`; messages are the binary format of
 *   `encodeBusMessage`, published and received on one connection (nats.js keeps one
 *   sender's messages in order on a connection).
 * - `publish` hands the message to the client and resolves once the server has
 *   answered a `PING` sent after it (publishes of the same tick share one): the
 *   server has received it and forwarded it to the subscribers it had then. It
 *   rejects with a `StoreError` at once while the client is disconnected, closed or
 *   draining (nats.js would otherwise buffer it silently until a reconnect), and
 *   with a `CacheTimeoutError` without that answer within `timeout`.
 * - `lost()` on the client's `disconnect` status; `restored()` after its
 *   `reconnect` status (nats.js re-sends the subscriptions itself) once a `PING`
 *   round trip proved the server has them.
 */
export class NatsBus implements Bus {
  /** Implementation name. */
  readonly name = 'nats';
  /** The NATS subject (`<subjectPrefix>.<channel>`). */
  readonly subject: string;
  readonly #options: ResolvedNatsBusOptions;
  readonly #lifecycle = new StoreLifecycle('nats bus');
  readonly #deadlines: DeadlineQueue;
  readonly #listeners = new Set<BusListener>();
  readonly #reconnectWaiters = new Set<() => void>();
  #connecting: Promise<NatsConnection> | undefined;
  #connection: NatsConnection | undefined;
  #status: AsyncIterable<Status> | undefined;
  #connected = true;
  #reconnects = 0;
  #subscription: Subscription | undefined;
  #confirming: Promise<void> | undefined;
  #active = false;
  #lost = false;
  #flush: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  /**
   * @param options - connection, channel and deadline (see {@link NatsBusOptions})
   * @throws `ConfigError` for invalid options
   */
  constructor(options: NatsBusOptions) {
    this.#options = resolveNatsBusOptions(options);
    this.subject = this.#options.subject;
    this.#deadlines = new DeadlineQueue(this.#options.timeoutMs);
  }

  /**
   * Publishes `message` to every subscriber of the subject.
   *
   * @throws `StoreError` when it could not be handed to a connected client,
   * `CacheTimeoutError` when the server did not confirm it within `timeout` (it may
   * have been delivered), `StoreClosedError` after `close()`, `signal.reason` when aborted
   */
  publish(message: BusMessage, options?: BusPublishOptions): Promise<void> {
    const signal = options?.signal;
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    const sent = this.#lifecycle.run(() => {
      const bytes = encodeBusMessage(message);
      const connection = this.#connection;
      return connection === undefined
        ? this.#connect().then((opened) => this.#publish(opened, bytes))
        : this.#publish(connection, bytes);
    });
    return signal === undefined ? sent : untilAborted(sent, signal);
  }

  /**
   * Subscribes `listener`; resolves once the subscription is active (confirmed by
   * the server), or rejects with a `StoreError` when it is not within `timeout`.
   */
  subscribe(listener: BusListener): Promise<BusSubscription> {
    return this.#lifecycle.run(async () => {
      const connection = await this.#connect();
      try {
        if (!this.#active) {
          this.#confirming ??= this.#confirmSubscription(connection).finally(() => {
            this.#confirming = undefined;
          });
          await this.#confirming;
        }
      } catch (error) {
        if (this.#listeners.size === 0) this.#unsubscribe();
        throw error;
      }
      this.#listeners.add(listener);
      let done = false;
      return {
        unsubscribe: async () => {
          if (done) return;
          done = true;
          this.#listeners.delete(listener);
          if (this.#listeners.size === 0 && this.#closing === undefined) this.#unsubscribe();
        },
      };
    });
  }

  /**
   * Waits for publishes in flight, unsubscribes, and drains the connection if the bus
   * created it (an injected connection stays open). Idempotent.
   */
  close(): Promise<void> {
    if (this.#closing === undefined) {
      this.#listeners.clear();
      for (const wake of this.#reconnectWaiters) wake();
      this.#closing = this.#lifecycle.close(async () => {
        const connection = this.#connection ?? (await this.#connecting?.catch(() => undefined));
        this.#unsubscribe();
        stopIterator(this.#status);
        if (connection === undefined || this.#options.connection !== undefined || connection.isClosed())
          return;
        const drained = connection.drain().catch(() => undefined);
        const late = new Promise<void>((resolve) => setTimeout(resolve, this.#options.timeoutMs).unref());
        await Promise.race([drained, late]);
        if (!connection.isClosed()) await connection.close().catch(() => undefined);
      });
    }
    return this.#closing;
  }

  #publish(connection: NatsConnection, bytes: Uint8Array): Promise<void> {
    if (!this.#connected)
      return Promise.reject(new StoreError(DRIVER, 'publish', new NatsDisconnectedError()));
    try {
      // Throws when closed or draining (and for a payload over the server's max_payload).
      connection.publish(this.subject, bytes);
    } catch (error) {
      return Promise.reject(new StoreError(DRIVER, 'publish', error));
    }
    return this.#deadlines.track(this.#flushSoon(connection), this.#timeoutError).catch((error: unknown) => {
      throw error instanceof CacheError ? error : new StoreError(DRIVER, 'publish', error);
    });
  }

  readonly #timeoutError = (): Error =>
    new CacheTimeoutError('nats bus publish', this.#options.timeoutMs, true);

  /**
   * One `PING` for every publish of this tick, sent after them: its `PONG` proves the
   * server received them all (a connection's protocol lines are processed in order).
   */
  #flushSoon(connection: NatsConnection): Promise<void> {
    this.#flush ??= Promise.resolve().then(() => {
      this.#flush = undefined;
      return connection.flush();
    });
    return this.#flush;
  }

  /** The connection: the injected one, or one created on first use (retried after a failure). */
  #connect(): Promise<NatsConnection> {
    if (this.#connection !== undefined) return Promise.resolve(this.#connection);
    this.#connecting ??= this.#open().then(
      (connection) => {
        this.#connection = connection;
        return connection;
      },
      (error: unknown) => {
        this.#connecting = undefined;
        throw error instanceof CacheError ? error : new StoreError(DRIVER, 'connect', error);
      },
    );
    return this.#connecting;
  }

  async #open(): Promise<NatsConnection> {
    const options = this.#options;
    const connection =
      options.connection ??
      (await connect({
        reconnectTimeWait: 250,
        maxReconnectAttempts: -1,
        // A subscriber only reads: a connection that died silently would go unnoticed
        // for nats.js' default 2 × 2 min. Here a missing PONG is a loss within ~4 s.
        pingInterval: 2_000,
        maxPingOut: 1,
        ...options.connectOptions,
        servers: options.servers,
        timeout: options.timeoutMs,
        reconnect: true,
      }));
    if (this.#closing !== undefined) {
      if (options.connection === undefined) await connection.close().catch(() => undefined);
      throw new StoreClosedError('nats bus');
    }
    this.#watch(connection);
    return connection;
  }

  #watch(connection: NatsConnection): void {
    const status = connection.status();
    this.#status = status;
    void (async () => {
      for await (const event of status) {
        if (event.type === Events.Disconnect) this.#disconnected();
        else if (event.type === Events.Reconnect) void this.#reconnected(connection);
        else if (event.type === Events.Error) this.#options.onBackgroundError(event.data);
      }
    })().catch(() => {});
    // A connection that gives up reconnecting (or that its owner closes) is a loss for good.
    void connection.closed().then(() => {
      if (this.#closing === undefined) this.#disconnected();
    });
  }

  #disconnected(): void {
    this.#connected = false;
    this.#reconnects++;
    if (this.#active) {
      this.#active = false;
      this.#lost = true;
      this.#notify('lost');
    }
  }

  async #reconnected(connection: NatsConnection): Promise<void> {
    this.#connected = true;
    const reconnect = ++this.#reconnects;
    for (const wake of this.#reconnectWaiters) wake();
    this.#reconnectWaiters.clear();
    if (!this.#lost || this.#subscription === undefined) return;
    try {
      // nats.js re-sent the SUB before reporting the reconnect; the PONG proves the server has it.
      await this.#deadlines.track(connection.flush(), this.#timeoutError);
    } catch {
      return; // disconnected again: the next reconnect tries again
    }
    if (reconnect !== this.#reconnects || !this.#lost || this.#subscription === undefined) return;
    this.#lost = false;
    this.#active = true;
    this.#notify('restored');
  }

  /** Subscribes (once) and waits, within `timeout`, for the server to confirm it. */
  async #confirmSubscription(connection: NatsConnection): Promise<void> {
    const timeoutMs = this.#options.timeoutMs;
    const deadline = performance.now() + timeoutMs;
    this.#subscription ??= connection.subscribe(this.subject, {
      callback: (error, message) => {
        if (error !== null) this.#options.onBackgroundError(error);
        else this.#deliver(message.data);
      },
    });
    let lastError: unknown;
    for (;;) {
      if (this.#closing !== undefined) throw new StoreClosedError('nats bus');
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        throw new StoreError(
          DRIVER,
          'subscribe',
          lastError ?? new CacheTimeoutError('nats bus subscribe', timeoutMs),
        );
      }
      if (!this.#connected) {
        lastError = new NatsDisconnectedError();
        await this.#untilReconnected(remaining);
        continue;
      }
      try {
        await within(connection.flush(), remaining);
        if (this.#connected) break;
      } catch (error) {
        lastError = error;
        if (connection.isClosed()) throw new StoreError(DRIVER, 'subscribe', error);
      }
    }
    this.#active = true;
    if (this.#lost) {
      // Confirmed again while the listeners already subscribed were told it was lost.
      this.#lost = false;
      this.#notify('restored');
    }
  }

  #untilReconnected(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#reconnectWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#reconnectWaiters.add(done);
    });
  }

  #unsubscribe(): void {
    const subscription = this.#subscription;
    this.#subscription = undefined;
    this.#active = false;
    this.#lost = false;
    if (subscription !== undefined && !subscription.isClosed()) {
      try {
        subscription.unsubscribe();
      } catch {
        // The connection is closed: so is the subscription.
      }
    }
  }

  #deliver(payload: Uint8Array): void {
    let message: BusMessage;
    try {
      message = decodeBusMessage(payload);
    } catch (error) {
      // Someone else's payload on our subject: ignore it, never crash.
      this.#options.onBackgroundError(error);
      return;
    }
    for (const listener of this.#listeners) {
      try {
        listener.message(message);
      } catch (error) {
        this.#options.onBackgroundError(error);
      }
    }
  }

  #notify(event: 'lost' | 'restored'): void {
    for (const listener of this.#listeners) {
      try {
        listener[event]();
      } catch (error) {
        this.#options.onBackgroundError(error);
      }
    }
  }
}

/** `promise`, or a rejection once `ms` passed (for the rare subscribe; publishes share a DeadlineQueue). */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CacheTimeoutError('nats bus subscribe', ms)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Stops a nats.js queued iterator (the public type hides `stop`). */
function stopIterator(iterator: AsyncIterable<Status> | undefined): void {
  (iterator as { stop?: () => void } | undefined)?.stop?.();
}
