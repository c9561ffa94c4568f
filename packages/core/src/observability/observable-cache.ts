import type { CacheEventListener, CacheEventName } from './events.js';
import type { CacheStats } from './stats.js';
import type { Telemetry } from './telemetry.js';

/**
 * The observability surface every `Cache` (and namespace view) has: its
 * counters and its events, both shared by a cache and its views.
 */
export class ObservableCache {
  readonly #telemetry: Telemetry;

  /** @param telemetry - the counters and listeners of the cache */
  protected constructor(telemetry: Telemetry) {
    this.#telemetry = telemetry;
  }

  /**
   * Counters since the cache was created or since {@link ObservableCache.resetStats} (shared
   * with its namespace views): hits, misses and stale hits per key read, by tier;
   * writes, deletes; factory calls, errors and timeouts; fail-safe activations,
   * background refreshes; store errors, circuit openings; bus traffic and gaps; and
   * the hit ratio. Counting is always on and costs a field increment.
   */
  stats(): CacheStats {
    return this.#telemetry.stats.snapshot();
  }

  /** Sets every counter of {@link ObservableCache.stats} back to zero. */
  resetStats(): void {
    this.#telemetry.stats.reset();
  }

  /**
   * Listens to `event` (Node `EventEmitter` conventions; shared with the namespace
   * views): `hit`, `miss`, `stale`, `set`, `delete`, `factory:error`,
   * `factory:timeout`, `failsafe`, `circuit:open`, `circuit:close`, `bus:gap`,
   * `bus:error`. An event without listeners costs nothing; a listener that throws
   * never breaks the call.
   *
   * @throws {@link InvalidArgumentError} for an unknown event or a listener that is not a function
   */
  on<E extends CacheEventName>(event: E, listener: CacheEventListener<E>): this {
    this.#telemetry.events.on(event, listener);
    return this;
  }

  /** {@link ObservableCache.on} for one delivery. */
  once<E extends CacheEventName>(event: E, listener: CacheEventListener<E>): this {
    this.#telemetry.events.once(event, listener);
    return this;
  }

  /** Removes a listener added with {@link ObservableCache.on} or {@link ObservableCache.once}. */
  off<E extends CacheEventName>(event: E, listener: CacheEventListener<E>): this {
    this.#telemetry.events.off(event, listener);
    return this;
  }
}
