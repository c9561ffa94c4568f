import type { Client, QueryConfig, QueryResult } from 'pg';

/** Completion callback of one pipelined statement. */
export type LaneCallback = (error: Error | null, result?: QueryResult) => void;

/** Options of {@link PipelinedLanes}. */
export interface PipelinedLanesOptions {
  /** Long-lived connections to spread statements over (at least 1). */
  readonly connections: number;
  /** Creates one (unconnected) pg client in pipeline mode. */
  readonly createClient: () => Client;
  /** A connection without a statement for this long is closed (ms; `0` = never). */
  readonly idleTimeoutMs: number;
  /** Receives the failure of a connection that had no statement in flight. */
  readonly onBackgroundError: (error: Error) => void;
}

/** One long-lived connection and the statements on it. */
interface Lane {
  /** The current client (connected or connecting); `undefined` until needed. */
  client: Client | undefined;
  connected: boolean;
  /** Statements waiting for the client to connect. */
  waiting: [QueryConfig, LaneCallback][];
  /** Statements sent (or waiting) and not yet answered. */
  inFlight: number;
  /** Statements ever sent, and its value at the last idle check. */
  used: number;
  seen: number;
  /** Whether the socket is corked until the end of this tick. */
  corked: boolean;
}

/** The part of pg's (internal) connection the lanes use: the socket, to batch writes. */
interface PgInternals {
  readonly connection?: { readonly stream?: { cork?(): void; uncork?(): void; destroy?(): void } };
}

/**
 * Single statements multiplexed over a few long-lived pg clients in pipeline mode
 * (pg 8.23+: a statement is written as soon as it is issued, each with its own
 * `Sync`, and answers come back in order). Compared with checking a client out of
 * a pool per statement, a statement costs no pool bookkeeping and no timers, and
 * the statements issued in one tick leave in one socket write; the server answers
 * a pipeline without waiting for the client between statements.
 *
 * - Each statement goes to the connection with the fewest statements in flight,
 *   so a connection held up (a statement waiting on a row lock) stops receiving
 *   new work.
 * - Each statement is its own implicit transaction (its own `Sync`): an error
 *   fails that statement only. Multi-statement transactions never run here.
 * - A connection that fails or is closed is dropped; its statements fail with the
 *   driver's error, and the next statement opens a new connection. A failure of
 *   an idle connection goes to `onBackgroundError` (once per connection).
 * - Idle connections are closed after `idleTimeoutMs`, checked by one unref'd timer.
 */
export class PipelinedLanes {
  readonly #lanes: Lane[];
  readonly #options: PipelinedLanesOptions;
  readonly #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  /** @param options - connection count, client factory, idle timeout, error sink */
  constructor(options: PipelinedLanesOptions) {
    this.#options = options;
    this.#lanes = Array.from({ length: options.connections }, () => ({
      client: undefined,
      connected: false,
      waiting: [],
      inFlight: 0,
      used: 0,
      seen: 0,
      corked: false,
    }));
    if (options.idleTimeoutMs > 0) {
      this.#timer = setInterval(() => this.#closeIdle(), options.idleTimeoutMs);
      this.#timer.unref();
    }
  }

  /** Open connections (connected or connecting). */
  get openConnections(): number {
    return this.#lanes.filter((lane) => lane.client !== undefined).length;
  }

  /**
   * Sends one statement on the least busy connection (opening it if needed).
   * `done` is called exactly once.
   *
   * @returns the client it went to, for {@link PipelinedLanes.abandon}
   */
  send(config: QueryConfig, done: LaneCallback): Client {
    if (this.#closed) throw new Error('the pipelined connections are closed');
    const lane = this.#pick();
    lane.inFlight++;
    lane.used++;
    const finish: LaneCallback = (error, result) => {
      lane.inFlight--;
      done(error, result);
    };
    if (lane.connected) {
      this.#submit(lane, config, finish);
    } else {
      lane.waiting.push([config, finish]);
      if (lane.client === undefined) this.#connect(lane);
    }
    return lane.client as Client;
  }

  /**
   * Gives up on `client` (a statement on it missed its deadline): a pipeline is
   * answered in order, so everything behind that statement is stuck too. The
   * socket is destroyed, its statements fail, and the next one reconnects.
   */
  abandon(client: Client): void {
    const lane = this.#lanes.find((candidate) => candidate.client === client);
    if (lane !== undefined) this.#drop(lane, client);
    (client as unknown as PgInternals).connection?.stream?.destroy?.();
  }

  /** Closes every connection (statements already sent are answered first). Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    const ending: Promise<void>[] = [];
    for (const lane of this.#lanes) {
      const client = lane.client;
      if (client === undefined) continue;
      this.#drop(lane, client);
      ending.push(client.end().catch(() => undefined));
    }
    await Promise.all(ending);
  }

  #pick(): Lane {
    const lanes = this.#lanes;
    let best = lanes[0] as Lane;
    for (let i = 1; i < lanes.length; i++) {
      const lane = lanes[i] as Lane;
      if (lane.inFlight < best.inFlight) best = lane;
    }
    return best;
  }

  #submit(lane: Lane, config: QueryConfig, done: LaneCallback): void {
    const client = lane.client as Client;
    if (!lane.corked) {
      // Statements issued in this tick (one burst of callers resumed by the same
      // socket read) leave in one write.
      const stream = (client as unknown as PgInternals).connection?.stream;
      if (stream?.cork !== undefined && stream.uncork !== undefined) {
        lane.corked = true;
        stream.cork();
        process.nextTick(() => {
          lane.corked = false;
          stream.uncork?.();
        });
      }
    }
    client.query(config, done);
  }

  #connect(lane: Lane): void {
    const client = this.#options.createClient();
    lane.client = client;
    lane.connected = false;
    // Always listened to: an unheard 'error' event would crash the process.
    client.on('error', (error: Error) => this.#lost(lane, client, error));
    client.on('end', () => this.#lost(lane, client, undefined));
    client.connect((error: Error | undefined) => {
      if (lane.client !== client) return;
      const waiting = lane.waiting;
      lane.waiting = [];
      if (error) {
        lane.client = undefined;
        for (const [, done] of waiting) done(error);
        return;
      }
      lane.connected = true;
      for (const [config, done] of waiting) this.#submit(lane, config, done);
    });
  }

  /** A connection failed or ended: drop it; report the failure when nothing was in flight on it. */
  #lost(lane: Lane, client: Client, error: Error | undefined): void {
    if (lane.client !== client) return;
    const idle = lane.inFlight === 0;
    this.#drop(lane, client);
    if (error !== undefined && idle) this.#options.onBackgroundError(error);
  }

  #drop(lane: Lane, client: Client): void {
    if (lane.client !== client) return;
    lane.client = undefined;
    lane.connected = false;
    const waiting = lane.waiting;
    lane.waiting = [];
    const error = new Error('Connection terminated before the statement was sent');
    for (const [, done] of waiting) done(error);
  }

  #closeIdle(): void {
    for (const lane of this.#lanes) {
      const client = lane.client;
      if (client !== undefined && lane.connected && lane.inFlight === 0 && lane.used === lane.seen) {
        this.#drop(lane, client);
        client.end().catch(() => undefined);
      }
      lane.seen = lane.used;
    }
  }
}
