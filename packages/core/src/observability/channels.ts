import { type Channel, channel, type TracingChannel, tracingChannel } from 'node:diagnostics_channel';
import type { BusMessage } from '../bus/bus.js';
import type { CacheOperation } from '../observer.js';

/**
 * The `diagnostics_channel` tracing channels the library publishes on — public
 * API, for APMs and `@cache/opentelemetry`. Each is a Node `TracingChannel`
 * (`tracing:<name>:start`, `:end`, `:asyncStart`, `:asyncEnd`, `:error`); nothing is
 * published, and no context is built, unless someone subscribes.
 *
 * | channel | calls | context |
 * |---|---|---|
 * | `cache:get` | `get`, `getMany`, `getBytes`, `getString`, `pull` | {@link CacheCallContext} |
 * | `cache:set` | `set`, `setMany`, `add`, `setBytes`, `setString`, `increment`, `decrement` | {@link CacheCallContext} |
 * | `cache:remember` | `remember`, `rememberMany`, `rememberStale`, `refreshAhead` | {@link CacheCallContext} |
 * | `cache:delete` | `delete`, `deleteMany`, `flush`, `deleteByTag`, `expireByTag` | {@link CacheCallContext} |
 * | `cache:lock` | `tryLock`, `lock`, `withLock`, `rateLimit` | {@link CacheCallContext} |
 * | `cache:factory` | every factory run by `remember` and friends (one per `rememberMany` batch) | {@link FactoryTraceContext} |
 * | `cache:store` | every call the cache makes to its store (L2) | {@link StoreCallContext} |
 * | `cache:bus` | every bus publish | {@link BusPublishContext} |
 *
 * And two plain channels: `cache:bus:gap`, a {@link BusGapMessage} for every gap a
 * node sees (lost messages or connection, a remote flush: its L1 was dropped), and
 * `cache:bus:message`, a {@link BusMessageReceived} for every message a node
 * receives from another (with the propagation lag).
 */
export const CHANNELS = {
  get: 'cache:get',
  set: 'cache:set',
  remember: 'cache:remember',
  delete: 'cache:delete',
  lock: 'cache:lock',
  factory: 'cache:factory',
  store: 'cache:store',
  bus: 'cache:bus',
  busGap: 'cache:bus:gap',
  busMessage: 'cache:bus:message',
} as const;

/** What `cache:bus:message` publishes. */
export interface BusMessageReceived {
  /** The cache's name. */
  readonly cache: string;
  /** `evict` or `clear`. */
  readonly kind: string;
  /** How many keys it carries. */
  readonly keyCount: number;
  /**
   * Receive time minus the sender's send time, ms (`undefined` for a sender that does
   * not stamp messages). Two clocks: exact on one host, NTP-bounded across hosts; a
   * metric, never used for correctness.
   */
  readonly lagMs: number | undefined;
}

/** The context of a factory run on `cache:factory`. */
export interface FactoryTraceContext {
  /** The cache's name. */
  readonly cache: string;
  /** The caller's key (batches: the keys joined with `,`). May be sensitive. */
  readonly key: string;
  /** Set by the tracing channel. */
  result?: unknown;
  /** Set by the tracing channel. */
  error?: unknown;
}

/** What `cache:bus:gap` publishes. */
export interface BusGapMessage {
  /** The cache's name. */
  readonly cache: string;
  /** Why: a hole in a sender's sequence, a lost connection, or another node's flush. */
  readonly reason: 'sequence' | 'connection' | 'clear';
}

/** The context of a cache call on its tracing channel. Fields set at the end are `undefined` at `start`. */
export interface CacheCallContext {
  /** The facade method. */
  readonly operation: CacheOperation;
  /** The cache's `name` option (`'default'` when not given). */
  readonly cache: string;
  /** The store's (L2) driver name: `redis`, `memcached`, `postgres`, … */
  readonly store: string;
  /** The namespace path of the view (`'a/b'`), `undefined` at the root. */
  readonly namespace: string | undefined;
  /**
   * The caller's key, `undefined` for calls without one (`flush`, batches). Keys may
   * be sensitive: exporters should publish them only when asked to.
   */
  readonly key: string | undefined;
  /** The keys of a batch call (`getMany`, `setMany`, `deleteMany`, `rememberMany`). */
  readonly keys: readonly string[] | undefined;
  /** Reads: whether a fresh value was served (batches: per key in `hits`). Set before `asyncEnd`. */
  hit?: boolean | undefined;
  /** Batch reads: per key, whether a fresh value was served. */
  hits?: readonly boolean[] | undefined;
  /** Batch read-through: per key, whether a stale value was served. */
  stales?: readonly boolean[] | undefined;
  /** Read-through: whether a stale value was served. */
  stale?: boolean | undefined;
  /** The tier that answered a hit: `'l1'` or `'l2'`. */
  tier?: 'l1' | 'l2' | undefined;
  /** The call's result (set by the tracing channel). */
  result?: unknown;
  /** The call's error (set by the tracing channel). */
  error?: unknown;
}

/** The context of one store call on `cache:store`. */
export interface StoreCallContext {
  /** The store operation: `get`, `getMany`, `set`, `setMany`, `add`, `increment`, `delete`, `deleteMany`, `deleteIfEquals`, `flush`. */
  readonly operation: string;
  /** The cache's name. */
  readonly cache: string;
  /** The driver name (`redis`, …). */
  readonly store: string;
  /** The store key (with the library's internal and namespace prefixes; not the store's own prefix). */
  readonly key: string | undefined;
  /** How many keys a batch call carries. */
  readonly batchSize: number | undefined;
  /** Set by the tracing channel. */
  result?: unknown;
  /** Set by the tracing channel. */
  error?: unknown;
}

/** The context of one bus publish on `cache:bus`. */
export interface BusPublishContext {
  /** Always `'publish'`. */
  readonly operation: 'publish';
  /** The cache's name. */
  readonly cache: string;
  /** The bus's name (`redis`, `nats`, `memory`). */
  readonly bus: string;
  /** `evict` or `clear`. */
  readonly kind: string;
  /** How many keys the message carries. */
  readonly keyCount: number;
  /** Set by the tracing channel. */
  error?: unknown;
}

/** The tracing channel of each facade operation's family. */
export const tracing = {
  get: tracingChannel<CacheCallContext>(CHANNELS.get),
  set: tracingChannel<CacheCallContext>(CHANNELS.set),
  remember: tracingChannel<CacheCallContext>(CHANNELS.remember),
  delete: tracingChannel<CacheCallContext>(CHANNELS.delete),
  lock: tracingChannel<CacheCallContext>(CHANNELS.lock),
  factory: tracingChannel<FactoryTraceContext>(CHANNELS.factory),
  store: tracingChannel<StoreCallContext>(CHANNELS.store),
  bus: tracingChannel<BusPublishContext>(CHANNELS.bus),
};

/** The plain channel of bus gaps. */
export const busGapChannel: Channel = channel(CHANNELS.busGap);
/** The plain channel of received bus messages. */
export const busMessageChannel: Channel = channel(CHANNELS.busMessage);

/** Publishes a received bus message on `cache:bus:message` (when someone listens), with its lag. */
export function reportReceived(cache: string, message: BusMessage): void {
  if (!busMessageChannel.hasSubscribers) return;
  const lagMs = message.sentAt === undefined ? undefined : Date.now() - message.sentAt;
  const report: BusMessageReceived = { cache, kind: message.kind, keyCount: message.keys.length, lagMs };
  busMessageChannel.publish(report);
}

const FAMILY: Partial<Record<CacheOperation, TracingChannel<CacheCallContext>>> = {
  get: tracing.get,
  getMany: tracing.get,
  getBytes: tracing.get,
  getString: tracing.get,
  pull: tracing.get,
  set: tracing.set,
  setMany: tracing.set,
  add: tracing.set,
  setBytes: tracing.set,
  setString: tracing.set,
  increment: tracing.set,
  decrement: tracing.set,
  remember: tracing.remember,
  rememberMany: tracing.remember,
  rememberStale: tracing.remember,
  refreshAhead: tracing.remember,
  delete: tracing.delete,
  deleteMany: tracing.delete,
  flush: tracing.delete,
  deleteByTag: tracing.delete,
  expireByTag: tracing.delete,
  tryLock: tracing.lock,
  lock: tracing.lock,
  withLock: tracing.lock,
  rateLimit: tracing.lock,
};

/** The tracing channel of `operation`. */
export function channelOf(operation: CacheOperation): TracingChannel<CacheCallContext> {
  return FAMILY[operation] ?? tracing.get;
}
