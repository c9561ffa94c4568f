/**
 * The Bus contract: the coherence channel between nodes that each keep an L1
 * in front of one shared store.
 *
 * | operation | semantics |
 * |---|---|
 * | `publish(message)` | delivers to every other subscriber of the channel, at most once; one sender's messages arrive in order; messages batch several keys and never carry values |
 * | `subscribe(listener)` | the listener receives decoded messages, and is told when the connection is lost and when it is back (the tier treats both as a gap) |
 * | `close()` | releases connections the bus created; never closes an injected client |
 *
 * A bus moves {@link BusMessage}s; implementations encode them with
 * {@link encodeBusMessage} so that every bus shares one binary format. Which
 * messages a node missed is the receiver's business: messages carry the sender's
 * node id and a per-sender sequence number, and a receiver that sees a hole drops
 * its L1 (see `tiers/coherence.ts`).
 *
 * @packageDocumentation
 */

/** What a message asks the other nodes to do. */
export type BusMessageKind =
  /** Drop these keys from L1: they were written or deleted. */
  | 'evict'
  /** Drop everything from L1: the store was flushed. */
  | 'clear';

/** One coherence message. */
export interface BusMessage {
  /** The sending node's id (random per `Cache`). */
  readonly sender: string;
  /** Per-sender sequence number: 1 for a sender's first message, +1 for each next one. */
  readonly sequence: number;
  /** What to do. */
  readonly kind: BusMessageKind;
  /** The keys concerned (`evict`); empty for `clear`. */
  readonly keys: readonly string[];
  /**
   * When the sender queued it (ms since epoch, the sender's clock), for the
   * propagation-lag metric only — never for correctness. Absent in version-1 messages.
   */
  readonly sentAt?: number | undefined;
}

/** Receives what arrives on a bus. */
export interface BusListener {
  /** A message from another node (a bus may also deliver the subscriber's own; the tier ignores those). */
  message(message: BusMessage): void;
  /** The bus lost its connection: messages may be missed until {@link BusListener.restored}. */
  lost(): void;
  /** The connection is back (and the subscription active again). */
  restored(): void;
}

/** An active subscription. */
export interface BusSubscription {
  /** Stops delivering to the listener. Idempotent. */
  unsubscribe(): Promise<void>;
}

/** Options of {@link Bus.publish}. */
export interface BusPublishOptions {
  /** Stops waiting for the publish. */
  readonly signal?: AbortSignal | undefined;
}

/** A coherence channel between nodes. See the module documentation for the contract. */
export interface Bus {
  /** Implementation name (`'memory'`, `'redis'`, `'nats'`). */
  readonly name: string;
  /**
   * Publishes to every other subscriber of the channel. Rejects with a typed error
   * when it could not be sent: `StoreError` (the connection failed or is closed) or
   * `CacheTimeoutError` (the bus's deadline passed; the message may still go out).
   */
  publish(message: BusMessage, options?: BusPublishOptions): Promise<void>;
  /** Subscribes `listener`; resolves once the subscription is active. */
  subscribe(listener: BusListener): Promise<BusSubscription>;
  /** Releases what the bus created. Idempotent. */
  close(): Promise<void>;
}
