import { connect, Events, type JetStreamManager, type KV, type NatsConnection, type Status } from 'nats';
import { DirectKv } from './direct-kv.js';
import { jetStreamErrorCode, STREAM_NAME_IN_USE } from './nats-errors.js';
import type { ResolvedNatsStoreOptions } from './options.js';

/** Everything an operation needs, available once connected and bound to the bucket. */
export interface NatsSession {
  readonly connection: NatsConnection;
  readonly kv: KV;
  readonly jsm: JetStreamManager;
  /** Name of the stream backing the bucket. */
  readonly stream: string;
  /**
   * The fast path for gets and plain puts (see `direct-kv.ts`), or `undefined` when
   * the bucket does not allow direct gets or is a mirror (then `kv` serves them).
   */
  readonly direct: DirectKv | undefined;
}

/** Raised (and wrapped in a `StoreError`) when an operation starts while the client is offline. */
export class NatsDisconnectedError extends Error {
  /** Creates the error; it carries no details beyond its message. */
  constructor() {
    super('not connected to NATS (the client is reconnecting)');
    this.name = 'NatsDisconnectedError';
  }
}

/**
 * Owns the connection life cycle of one store: connects lazily (or adopts an
 * injected connection), binds or creates the bucket, and tracks whether the
 * client is currently connected.
 *
 * Why track the connection state: while disconnected, nats.js buffers requests
 * and only fails them when the request timeout fires. Failing at once instead
 * gives callers a typed error without waiting, and the client keeps
 * reconnecting in the background, so calls work again as soon as the server is
 * back.
 *
 * Why the bucket binding can be dropped: a server that comes back without its
 * data (memory storage, a replaced node) no longer has the bucket's stream, and
 * every request for it fails. {@link invalidateBucket} makes the next operation
 * look the bucket up again, creating it when missing.
 */
export class NatsSessionManager {
  #connection: Promise<NatsConnection> | undefined;
  #session: Promise<NatsSession> | undefined;
  /** The bound session once {@link #session} has resolved: lets the hot path skip an `await`. */
  #ready: NatsSession | undefined;
  #connected = true;
  #statusIterator: AsyncIterable<Status> | undefined;
  #closed = false;
  /** One per connection, kept across re-bindings of the bucket (its subjects do not change). */
  #direct: DirectKv | undefined;

  /** @param options - the store's resolved options (connection or servers, bucket, timeouts) */
  constructor(private readonly options: ResolvedNatsStoreOptions) {}

  /** Whether the store created (and therefore owns) the connection. */
  get ownsConnection(): boolean {
    return this.options.connection === undefined;
  }

  /**
   * The session, connecting and binding the bucket on first use. A failed
   * attempt is forgotten, so the next call tries again.
   *
   * @throws {@link NatsDisconnectedError} while the client is reconnecting.
   */
  async session(): Promise<NatsSession> {
    if (this.#session !== undefined) {
      const session = await this.#session;
      if (!this.#connected || session.connection.isClosed()) throw new NatsDisconnectedError();
      return session;
    }
    const opening = this.#bind().then(
      (session) => {
        if (this.#session === opening) this.#ready = session;
        return session;
      },
      (error: unknown) => {
        if (this.#session === opening) this.#session = undefined;
        throw error;
      },
    );
    this.#session = opening;
    return opening;
  }

  /**
   * The bound session when it is ready and the client is connected, else
   * `undefined` (then call {@link session}). Synchronous, for the hot path.
   */
  current(): NatsSession | undefined {
    const ready = this.#ready;
    return ready !== undefined && this.#connected && !ready.connection.isClosed() ? ready : undefined;
  }

  /** Makes the next {@link session} look the bucket up (and create it) again. */
  invalidateBucket(): void {
    this.#session = undefined;
    this.#ready = undefined;
  }

  /** Closes what this manager created: drains an owned connection, leaves an injected one open. */
  async close(): Promise<void> {
    this.#closed = true;
    const connection = await this.#connection?.catch(() => undefined);
    this.#direct?.close(new Error('the store is closed'));
    this.#direct = undefined;
    stopIterator(this.#statusIterator);
    this.#statusIterator = undefined;
    if (connection !== undefined && this.ownsConnection && !connection.isClosed()) {
      await connection.drain().catch(() => connection.close());
    }
  }

  async #bind(): Promise<NatsSession> {
    const connection = await this.#connect();
    if (!this.#connected) throw new NatsDisconnectedError();
    const { options } = this;
    const js = connection.jetstream({ timeout: options.timeoutMs });
    const jsm = await js.jetstreamManager();
    const kvOptions = {
      history: 1,
      timeout: options.timeoutMs,
      ...(options.bucketMaxAgeMs === undefined ? {} : { ttl: options.bucketMaxAgeMs }),
    };
    let kv: KV;
    try {
      kv = await js.views.kv(options.bucket, kvOptions);
    } catch (error) {
      // Another process may have created the bucket between our lookup and our
      // create; binding again then finds it.
      if (jetStreamErrorCode(error) !== STREAM_NAME_IN_USE) throw error;
      kv = await js.views.kv(options.bucket, kvOptions);
    }
    const stream = `KV_${options.bucket}`;
    const { config } = await jsm.streams.info(stream);
    const plain = config.allow_direct === true && config.mirror === undefined && config.sources === undefined;
    if (plain)
      this.#direct ??= new DirectKv(connection, options.bucket, options.timeoutMs, inboxPrefixOf(connection));
    return { connection, kv, jsm, stream, direct: plain ? this.#direct : undefined };
  }

  /** The connection: the injected one, or one created once (retried after a failed first connect). */
  #connect(): Promise<NatsConnection> {
    this.#connection ??= this.#openConnection().catch((error: unknown) => {
      this.#connection = undefined;
      throw error;
    });
    return this.#connection;
  }

  async #openConnection(): Promise<NatsConnection> {
    const { options } = this;
    const connection =
      options.connection ??
      (await connect({
        reconnectTimeWait: 250,
        maxReconnectAttempts: -1,
        ...options.connectOptions,
        servers: options.servers,
        timeout: options.timeoutMs,
        reconnect: true,
      }));
    if (this.#closed) {
      if (this.ownsConnection) await connection.close().catch(() => undefined);
      throw new Error('store closed while connecting');
    }
    this.#watchStatus(connection);
    return connection;
  }

  #watchStatus(connection: NatsConnection): void {
    const iterator = connection.status();
    this.#statusIterator = iterator;
    this.#connected = true;
    void (async () => {
      try {
        for await (const status of iterator) {
          if (status.type === Events.Disconnect) {
            this.#connected = false;
            // Replies to requests sent before the drop may never come: fail them now
            // (a typed error at once) rather than at their deadline.
            this.#direct?.failAll(new NatsDisconnectedError());
          } else if (status.type === Events.Reconnect) this.#connected = true;
        }
      } catch {
        // The iterator ends with the connection; nothing to report.
      }
    })();
  }
}

/** The connection's `inboxPrefix` option, where nats.js exposes it (the public type hides `options`). */
function inboxPrefixOf(connection: NatsConnection): string | undefined {
  const prefix = (connection as { options?: { inboxPrefix?: unknown } }).options?.inboxPrefix;
  return typeof prefix === 'string' && prefix !== '' ? prefix : undefined;
}

/** Stops a nats.js queued iterator (the public type hides `stop`). */
function stopIterator(iterator: AsyncIterable<Status> | undefined): void {
  const stoppable = iterator as { stop?: () => void } | undefined;
  stoppable?.stop?.();
}
