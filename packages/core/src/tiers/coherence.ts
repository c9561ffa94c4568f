import { randomUUID } from 'node:crypto';
import type { Bus, BusListener, BusMessage, BusSubscription } from '../bus/bus.js';
import { type BusPublishContext, tracing } from '../observability/channels.js';

/** What coherence tells its owner. */
export interface CoherenceEvents {
  /** Keys another node wrote or deleted: drop them from L1. */
  evict(keys: readonly string[]): void;
  /** A gap (sequence hole, lost connection) or a remote flush: everything in L1 is suspect. */
  gap(reason: 'sequence' | 'connection' | 'clear'): void;
  /** A publish failed (it is retried); or a message could not be sent at all. */
  error(error: unknown): void;
  /** A message went out. */
  published?(): void;
  /** A message from another node arrived. */
  received?(message: BusMessage): void;
}

/** Longest outbox before the oldest unsent message is dropped (receivers then see a hole). */
const MAX_OUTBOX = 1_000;
const MAX_RETRY_DELAY_MS = 1_000;

/**
 * Keeps one node's L1 coherent with the others through a {@link Bus}.
 *
 * Sending: keys written or deleted in the same tick are batched into one message;
 * each message gets the next per-node sequence number; failed publishes are
 * retried in order from a bounded outbox (overflow drops the oldest, which the
 * receivers see as a hole — the safe direction).
 *
 * Receiving: own messages are ignored; a hole in a sender's sequence numbers, or
 * a lost connection, is a **gap**: the L1 generation moves on, which invalidates
 * every L1 entry written before it in O(1) (entries carry the generation they
 * were written in). While the bus is disconnected the L1 is not used at all.
 */
export class Coherence implements BusListener {
  /** This node's id. */
  readonly nodeId: string = randomUUID();
  readonly #bus: Bus;
  readonly #events: CoherenceEvents;
  readonly #cacheName: string;
  readonly #lastSeen = new Map<string, number>();
  #generation = 1;
  #beforeLoss: number | undefined;
  #connected = false;
  #epoch = 0;
  #sequence = 0;
  #batch: string[] | undefined;
  #outbox: BusMessage[] = [];
  #sending = false;
  #subscription: Promise<BusSubscription | undefined> | undefined;
  #closed = false;

  /**
   * @param bus - the channel
   * @param events - where evictions and gaps go
   * @param cacheName - the cache's name, for trace contexts
   */
  constructor(bus: Bus, events: CoherenceEvents, cacheName = 'default') {
    this.#bus = bus;
    this.#events = events;
    this.#cacheName = cacheName;
  }

  /**
   * Subscribes; the L1 is used once the subscription is active. A failed subscribe
   * (the bus's server is down at startup) is retried with backoff (50 ms → 5 s)
   * until it succeeds or the cache closes; meanwhile L1 is bypassed.
   */
  start(): void {
    this.#subscription = this.#subscribe(50);
  }

  async #subscribe(delay: number): Promise<BusSubscription | undefined> {
    for (;;) {
      try {
        const subscription = await this.#bus.subscribe(this);
        if (this.#closed) {
          await subscription.unsubscribe();
          return undefined;
        }
        this.#generation++;
        this.#epoch++;
        this.#connected = true;
        return subscription;
      } catch (error) {
        if (this.#closed) return undefined;
        this.#events.error(error);
        await new Promise((resolve) => setTimeout(resolve, delay).unref?.());
        if (this.#closed) return undefined;
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }

  /** The current L1 generation: entries of another generation are not served. */
  get generation(): number {
    return this.#generation;
  }

  /**
   * The generation L1 entries had when the connection was lost (until it is
   * restored): the hybrid tier may still serve those while its store is skipped.
   */
  get generationBeforeLoss(): number | undefined {
    return this.#beforeLoss;
  }

  /** Whether the L1 may be used now (subscribed and connected). */
  get connected(): boolean {
    return this.#connected;
  }

  /**
   * Moves on with every event that may invalidate L1 (a message, a lost or restored
   * connection, the subscription starting), so that an L2 read overlapping one does
   * not fill L1 with what it read.
   */
  get epoch(): number {
    return this.#epoch;
  }

  /** Whether the subscription is active (for `health()`). */
  async subscribed(): Promise<boolean> {
    return (await this.#subscription) !== undefined && this.#connected;
  }

  /** Tells the other nodes that `keys` changed (batched per tick). */
  announce(keys: readonly string[]): void {
    if (this.#closed || keys.length === 0) return;
    if (this.#batch === undefined) {
      this.#batch = [...keys];
      queueMicrotask(() => {
        const batch = this.#batch;
        this.#batch = undefined;
        if (batch !== undefined) this.#enqueue('evict', batch);
      });
    } else {
      this.#batch.push(...keys);
    }
  }

  /** Tells the other nodes that everything changed (a flush). */
  announceClear(): void {
    if (this.#closed) return;
    this.#enqueue('clear', []);
  }

  // ------------------------------------------------------------ BusListener

  /** @internal */
  message(message: BusMessage): void {
    if (message.sender === this.nodeId || this.#closed) return;
    this.#events.received?.(message);
    const last = this.#lastSeen.get(message.sender);
    this.#lastSeen.set(message.sender, message.sequence);
    if (last !== undefined && message.sequence !== last + 1) {
      this.#generation++;
      this.#events.gap('sequence');
    }
    this.#epoch++;
    if (message.kind === 'clear') {
      this.#generation++;
      this.#events.gap('clear');
    } else {
      this.#events.evict(message.keys);
    }
  }

  /** @internal */
  lost(): void {
    if (this.#connected) this.#beforeLoss = this.#generation;
    this.#connected = false;
    this.#generation++;
    this.#epoch++;
    this.#events.gap('connection');
  }

  /** @internal */
  restored(): void {
    // Messages sent meanwhile are lost: whatever L1 filled before is suspect, and
    // senders' sequence numbers jump.
    this.#lastSeen.clear();
    this.#beforeLoss = undefined;
    this.#generation++;
    this.#epoch++;
    this.#connected = true;
  }

  /**
   * Sends what is still queued (for at most `drainMs`: invalidations of this node's
   * last writes must not be lost at shutdown), then stops listening and sending.
   * Does not close the bus (it may be shared).
   */
  async close(drainMs = 2_000): Promise<void> {
    if (this.#batch !== undefined) {
      // Keys announced in this very tick: queue them now rather than after close.
      const batch = this.#batch;
      this.#batch = undefined;
      this.#enqueue('evict', batch);
    }
    const deadline = Date.now() + drainMs;
    while (this.#outbox.length > 0 && Date.now() < deadline) {
      if (!this.#sending) void this.#drain();
      await new Promise((resolve) => setTimeout(resolve, 5).unref?.());
    }
    this.#closed = true;
    this.#connected = false;
    const subscription = await this.#subscription;
    await subscription?.unsubscribe();
  }

  #enqueue(kind: BusMessage['kind'], keys: readonly string[]): void {
    this.#sequence++;
    this.#outbox.push({
      sender: this.nodeId,
      sequence: this.#sequence,
      kind,
      keys: [...new Set(keys)],
      sentAt: Date.now(),
    });
    if (this.#outbox.length > MAX_OUTBOX) this.#outbox.shift();
    if (!this.#sending) void this.#drain();
  }

  /** One publish, traced on `cache:bus` while someone subscribes. */
  #publish(message: BusMessage): Promise<void> {
    const channel = tracing.bus;
    if (!channel.hasSubscribers) return this.#bus.publish(message);
    const context: BusPublishContext = {
      operation: 'publish',
      cache: this.#cacheName,
      bus: this.#bus.name,
      kind: message.kind,
      keyCount: message.keys.length,
    };
    return channel.tracePromise(() => this.#bus.publish(message), context);
  }

  async #drain(): Promise<void> {
    this.#sending = true;
    let delay = 10;
    try {
      while (this.#outbox.length > 0 && !this.#closed) {
        const next = this.#outbox[0] as BusMessage;
        try {
          await this.#publish(next);
          this.#events.published?.();
          if (this.#outbox[0] === next) this.#outbox.shift();
          delay = 10;
        } catch (error) {
          this.#events.error(error);
          await new Promise((resolve) => setTimeout(resolve, delay).unref?.());
          delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
        }
      }
    } finally {
      this.#sending = false;
    }
  }
}
