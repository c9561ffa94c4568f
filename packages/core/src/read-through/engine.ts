import type { DecodedEntry } from '../entry/entry-codec.js';
import { isFreshAt, lifetimeOf, type LifetimePolicy, withVersions } from '../entry/lifetime.js';
import { FactoryTimeoutError } from '../errors.js';
import { acquireLock } from '../helpers/lock.js';
import { tracing } from '../observability/channels.js';
import type { Telemetry } from '../observability/telemetry.js';
import { internalKey } from '../keyspace/internal-keys.js';
import type { Scope } from '../tags/scope.js';
import type { VersionStamp } from '../tags/tag-versions.js';
import { mergeStamps } from '../tags/version-check.js';
import type { Tiers } from '../tiers/tiers.js';
import { type Answer, awaitFlight, type ReadOutcome } from './await-flight.js';
import { distributedFlight } from './distributed.js';
import { isDueForRefresh } from './eager-refresh.js';
import { FailSafeThrottle } from './fail-safe.js';
import { Flights } from './flights.js';
import type { ResolvedReadThrough } from './options.js';

/** What a factory passed to `remember` and friends receives. */
export interface FactoryContext {
  /** The key being computed (as the caller passed it, without any namespace). */
  readonly key: string;
  /** Aborts when every caller waiting for this computation has gone away (and nothing pinned it). */
  readonly signal: AbortSignal;
  /**
   * Tags the computed entry with `tags` as well as the call's `tags` option (for
   * tags only the value reveals: `ctx.addTags('org:' + user.orgId)`). Versions of
   * tags added here are read when the factory returns, those of the call's `tags`
   * before it starts: a `deleteByTag` of an option tag while the factory runs
   * invalidates what it returns.
   *
   * @throws {@link InvalidArgumentError} for invalid tags
   */
  addTags(tags: string | readonly string[]): void;
}

/** Where a read-through write lives and what it records. */
export interface WriteScope {
  /** The key space of the call (root or a namespace). */
  readonly scope: Scope;
  /** Version names known before the factory runs (the namespace's and the call's tags), if any. */
  readonly names: readonly string[] | undefined;
}

/** Computes a value on a miss. It may return the value or a promise of it. */
export type Factory<T> = (context: FactoryContext) => T | Promise<T>;

/** What the engine tells the facade about work it did off the caller's path. */
export interface EngineEvents {
  /** A store read or write failed and was bypassed (fail-open). */
  storeError(key: string, error: unknown): void;
  /** A background refresh finished (`error` when it failed). */
  refreshed(key: string, startedAt: number, error: unknown): void;
}

/** The lock TTL of a background refresh across processes, at least this long. */
const MIN_REFRESH_LOCK_MS = 1_000;

/**
 * The one read-through engine behind `remember`, `rememberStale`,
 * `refreshAhead` and `rememberMany`: options choose the behaviour, not the entry
 * point.
 *
 * read the entry → fresh: serve it (and maybe start one eager refresh) → stale but
 * graced and throttled: serve it → otherwise join or start the key's flight
 * (factory, then write) and wait for it under the soft/hard timeouts, falling back
 * to the graced value when the factory fails.
 */
export class ReadThroughEngine {
  readonly #tiers: Tiers;
  readonly #events: EngineEvents;
  readonly #flights = new Flights<unknown>();
  /** Reads in flight, shared by concurrent callers: 1,000 callers of a cold key cost one store read. */
  readonly #reads = new Flights<DecodedEntry | undefined>();
  readonly #throttle = new FailSafeThrottle();
  readonly #refreshing = new Set<string>();
  readonly #telemetry: Telemetry;

  /**
   * @param tiers - where entries live
   * @param events - receives fail-open store errors and background refresh results
   * @param telemetry - counters and event listeners
   */
  constructor(tiers: Tiers, events: EngineEvents, telemetry: Telemetry) {
    this.#tiers = tiers;
    this.#events = events;
    this.#telemetry = telemetry;
  }

  /** Counters and event listeners (shared with `rememberMany`). */
  get telemetry(): Telemetry {
    return this.#telemetry;
  }

  /** The flights in progress, by key (shared with `rememberMany`). */
  get flights(): Flights<unknown> {
    return this.#flights;
  }

  /** Reads `key` through the cache, computing it with `factory` when needed. */
  async remember(
    key: string,
    ttlMs: number,
    factory: Factory<unknown>,
    options: ResolvedReadThrough,
    stamp: boolean,
    signal: AbortSignal | undefined,
    write: WriteScope,
  ): Promise<Answer> {
    let entry: DecodedEntry | undefined;
    let readError: unknown;
    // A key this process is computing already is awaited, not read: a read overlapping
    // the flight's write could miss it and compute the key again (as `rememberMany`
    // does). With grace the read is still needed: it finds the fail-safe fallback; and a
    // background refresh never holds a caller up: the cached value is served meanwhile.
    const computing =
      options.graceMs === 0 && !this.#refreshing.has(key) && this.#flights.get(key) !== undefined;
    try {
      if (!computing) {
        const read = this.#reads.start(key, (readSignal) => this.#tiers.read(key, readSignal));
        read.join(signal);
        entry = await read.promise;
      }
    } catch (error) {
      if (!options.failOpen || signal?.aborted === true) throw error;
      readError = error;
      this.#events.storeError(key, error);
    }
    const now = Date.now();
    if (entry !== undefined && isFreshAt(entry.softExpiresAt, now)) {
      if (options.eagerRefresh > 0 && isDueForRefresh(entry, now, options.eagerRefresh, ttlMs)) {
        this.refreshInBackground(key, ttlMs, factory, options, stamp, write);
      }
      return { value: entry.value, outcome: 'hit', tier: entry.tier ?? 'l2' };
    }
    const stale = this.#graced(entry, now, options);
    if (stale !== undefined && this.#throttle.active(key, now)) {
      return { value: stale.value, outcome: 'stale', failSafe: true };
    }
    if (stale !== undefined && options.distributed && (await this.#computedElsewhere(key))) {
      // Another process holds the key's lease: serve the graced value at once.
      return { value: stale.value, outcome: 'stale' };
    }
    const flight = this.#flights.start(key, (flightSignal) =>
      this.compute(key, ttlMs, factory, options, stamp, flightSignal, write),
    );
    try {
      const answer = await awaitFlight(flight, key, stale, options, signal);
      this.settled(write.scope.userKey(key), answer, options);
      if (answer.failSafe === true) this.#throttle.activate(key, Date.now(), options.graceBackoffMs);
      return answer;
    } catch (error) {
      // Nothing was served: a miss (the factory failed or timed out), counted here
      // because no answer reaches the facade.
      this.#telemetry.miss(write.scope.userKey(key));
      if (error instanceof FactoryTimeoutError) this.#timedOut(write.scope.userKey(key), 'hard', options);
      // The store failed too: say so, where the factory's error does not say why already.
      if (readError !== undefined && error instanceof Error && error.cause === undefined)
        error.cause = readError;
      throw error;
    }
  }

  /** Runs the factory for `key` and writes its value (best effort when fail-open). */
  async compute(
    key: string,
    ttlMs: number,
    factory: Factory<unknown>,
    options: ResolvedReadThrough,
    stamp: boolean,
    signal: AbortSignal,
    write: WriteScope,
  ): Promise<unknown> {
    const run = async (): Promise<unknown> => {
      const versions = this.#tiers.versions;
      // The call's versions are read before the factory runs: an invalidation
      // while it runs makes what it returns invalid too.
      const before = write.names === undefined ? undefined : await versions.stampsFor(write.names);
      let added: string[] | undefined;
      const context: FactoryContext = {
        key: write.scope.userKey(key),
        signal,
        addTags: (tags) => {
          const names = write.scope.tagNames(tags);
          added = added === undefined ? [...names] : [...added, ...names];
        },
      };
      const value = await this.runFactory(context.key, () => factory(context));
      if (value === undefined) return value;
      this.#throttle.clear(key);
      const stamps = added === undefined ? before : mergeStamps(before, await versions.stampsFor(added));
      this.#telemetry.wrote(context.key);
      await this.write(key, value, ttlMs, options, stamp, signal, stamps);
      return value;
    };
    if (!options.distributed || !this.#tiers.store.capabilities.shared) return run();
    const outcome = await distributedFlight(this.#tiers, key, options.lockTimeoutMs, run, signal);
    return outcome.value;
  }

  /** Writes a computed value with the lifetime the options give it; fail-open reports instead of failing. */
  async write(
    key: string,
    value: unknown,
    ttlMs: number,
    options: ResolvedReadThrough,
    stamp: boolean,
    signal: AbortSignal | undefined,
    stamps?: readonly VersionStamp[] | undefined,
  ): Promise<void> {
    try {
      await this.#tiers.write(
        key,
        value,
        withVersions(lifetimeOf(ttlMs, policyOf(options, stamp)), stamps),
        signal,
        options.failOpen,
      );
    } catch (error) {
      if (!options.failOpen) throw error;
      this.#events.storeError(key, error);
    }
  }

  /**
   * Starts one background refresh of `key` unless one runs already in this
   * process; across processes, on a shared store, only the holder of the key's
   * internal refresh lock recomputes.
   */
  refreshInBackground(
    key: string,
    ttlMs: number,
    factory: Factory<unknown>,
    options: ResolvedReadThrough,
    stamp: boolean,
    write: WriteScope,
  ): void {
    if (this.#refreshing.has(key) || this.#flights.get(key) !== undefined) return;
    this.#refreshing.add(key);
    this.#telemetry.stats.eagerRefreshes++;
    const startedAt = performance.now();
    const run = async (): Promise<void> => {
      const store = this.#tiers.store;
      const lockMs = Math.max(MIN_REFRESH_LOCK_MS, Math.ceil(ttlMs * (1 - options.eagerRefresh)));
      const lock = store.capabilities.shared
        ? await acquireLock(store, internalKey('refresh', key), key, lockMs, undefined)
        : undefined;
      if (store.capabilities.shared && lock === undefined) return;
      try {
        const flight = this.#flights.start(key, (signal) =>
          this.compute(key, ttlMs, factory, options, stamp, signal, write),
        );
        flight.pin();
        await flight.promise;
      } finally {
        await lock?.release().catch(() => undefined);
      }
    };
    run().then(
      () => {
        this.#refreshing.delete(key);
        this.#events.refreshed(key, startedAt, undefined);
      },
      (error: unknown) => {
        this.#refreshing.delete(key);
        this.#events.refreshed(key, startedAt, error);
      },
    );
  }

  /** Whether another process holds `key`'s distributed lease right now (false on any doubt). */
  async #computedElsewhere(key: string): Promise<boolean> {
    const store = this.#tiers.store;
    if (!store.capabilities.shared || this.#flights.get(key) !== undefined) return false;
    try {
      return (await store.get(internalKey('lease', key))) !== undefined;
    } catch {
      return false;
    }
  }

  /** Reports a bypassed store failure for `key`. */
  storeErrorOf(key: string, error: unknown): void {
    this.#events.storeError(key, error);
  }

  /** Whether `key` is inside a fail-safe backoff. */
  throttled(key: string, now: number): boolean {
    return this.#throttle.active(key, now);
  }

  /** Records a fail-safe activation of `key` (starts its backoff). */
  failSafeActivated(key: string, options: ResolvedReadThrough): void {
    this.#throttle.activate(key, Date.now(), options.graceBackoffMs);
  }

  /** Runs a factory, counting the call and its failure (`key`: the caller's, for events). */
  async runFactory<T>(key: string, factory: () => T | Promise<T>): Promise<T> {
    const { stats, events } = this.#telemetry;
    stats.factoryCalls++;
    try {
      const traced = tracing.factory;
      if (!traced.hasSubscribers) return await factory();
      return await traced.tracePromise(async () => factory(), { cache: this.#telemetry.cache, key });
    } catch (error) {
      stats.factoryErrors++;
      if (events.listening['factory:error']) events.emit('factory:error', { key, error });
      throw error;
    }
  }

  /** Counts what an answer says happened (timeouts, fail-safe activations); `key` is the caller's. */
  settled(key: string, answer: Answer, options: ResolvedReadThrough): void {
    if (answer.timeout !== undefined) this.#timedOut(key, answer.timeout, options);
    if (answer.failSafe === true && answer.timeout !== 'soft') {
      const { stats, events } = this.#telemetry;
      stats.failSafeActivations++;
      if (events.listening.failsafe) events.emit('failsafe', { key });
    }
  }

  #timedOut(key: string, timeout: 'soft' | 'hard', options: ResolvedReadThrough): void {
    const { stats, events } = this.#telemetry;
    stats.factoryTimeouts++;
    if (events.listening['factory:timeout']) {
      const ms = timeout === 'soft' ? options.softTimeoutMs : options.hardTimeoutMs;
      events.emit('factory:timeout', { key, timeout, ms });
    }
  }

  /** Writes several computed values in one batch; fail-open reports instead of failing. */
  async writeMany(
    writes: readonly {
      readonly key: string;
      readonly value: unknown;
      readonly stamps: readonly VersionStamp[] | undefined;
    }[],
    ttlMs: number,
    options: ResolvedReadThrough,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const policy = policyOf(options, false);
    const now = Date.now();
    try {
      await this.#tiers.writeMany(
        writes.map((w) => ({
          key: w.key,
          value: w.value,
          lifetime: withVersions(lifetimeOf(ttlMs, policy, now), w.stamps),
        })),
        signal,
      );
    } catch (error) {
      if (!options.failOpen) throw error;
      for (const w of writes) this.#events.storeError(w.key, error);
    }
  }

  /** The entry as a fail-safe fallback: only when the call asks for grace and the entry is within it. */
  graced(
    entry: DecodedEntry | undefined,
    now: number,
    options: ResolvedReadThrough,
  ): DecodedEntry | undefined {
    return this.#graced(entry, now, options);
  }

  #graced(
    entry: DecodedEntry | undefined,
    now: number,
    options: ResolvedReadThrough,
  ): DecodedEntry | undefined {
    if (entry === undefined || options.graceMs === 0) return undefined;
    return entry.graceUntil === undefined || entry.graceUntil > now ? entry : undefined;
  }
}

/** The lifetime policy of a read-through write. */
export function policyOf(options: ResolvedReadThrough, stamp: boolean): LifetimePolicy {
  return { graceMs: options.graceMs, jitterMs: options.jitterMs, stamp: stamp || options.eagerRefresh > 0 };
}

export type { Answer, ReadOutcome };
