/**
 * What {@link Cache.stats} reports: counters since the cache was created (or since
 * `resetStats()`), shared by the cache and its namespace views.
 *
 * Reads count per key: `hits` (a fresh value served), `misses` (none: the factory
 * ran or the read returned `undefined`) and `staleHits` (a stale value served by
 * fail-safe or a soft timeout); `l1Hits + l2Hits = hits`, by the tier that
 * answered (a cache without an L1 answers from L2, its store).
 */
export interface CacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly staleHits: number;
  readonly l1Hits: number;
  readonly l2Hits: number;
  /** Entries written (set, setMany per entry, a successful add, remember's writes, raw writes, increments). */
  readonly writes: number;
  /** Keys deleted (delete, deleteMany per key, pull). */
  readonly deletes: number;
  /** Factory invocations (remember and friends; one per `rememberMany` batch). */
  readonly factoryCalls: number;
  /** Factories that threw or rejected. */
  readonly factoryErrors: number;
  /** Waits cut short by `softTimeout` or `hardTimeout`. */
  readonly factoryTimeouts: number;
  /** Times a stale value was served because the factory failed or hit `hardTimeout`. */
  readonly failSafeActivations: number;
  /** Background refreshes started (eager refresh, refresh-ahead). */
  readonly eagerRefreshes: number;
  /** Store (L2) calls that failed. */
  readonly storeErrors: number;
  /** Times the L2 circuit breaker opened. */
  readonly circuitOpens: number;
  /** Bus messages this node published. */
  readonly busPublished: number;
  /** Bus messages this node received from other nodes. */
  readonly busReceived: number;
  /** Gaps seen on the bus (lost messages, lost connections, remote flushes): each dropped the L1. */
  readonly busGaps: number;
  /** `hits / (hits + misses + staleHits)`, 0 before any read. */
  readonly hitRatio: number;
}

/** The mutable counters behind {@link CacheStats}: plain fields, so counting is one increment. */
export class StatsCounters {
  hits = 0;
  misses = 0;
  staleHits = 0;
  l1Hits = 0;
  l2Hits = 0;
  writes = 0;
  deletes = 0;
  factoryCalls = 0;
  factoryErrors = 0;
  factoryTimeouts = 0;
  failSafeActivations = 0;
  eagerRefreshes = 0;
  storeErrors = 0;
  circuitOpens = 0;
  busPublished = 0;
  busReceived = 0;
  busGaps = 0;

  /** A fresh hit answered by `tier`. */
  hit(tier: 'l1' | 'l2'): void {
    this.hits++;
    if (tier === 'l1') this.l1Hits++;
    else this.l2Hits++;
  }

  /** A frozen copy, with the hit ratio. */
  snapshot(): CacheStats {
    const reads = this.hits + this.misses + this.staleHits;
    return Object.freeze({
      hits: this.hits,
      misses: this.misses,
      staleHits: this.staleHits,
      l1Hits: this.l1Hits,
      l2Hits: this.l2Hits,
      writes: this.writes,
      deletes: this.deletes,
      factoryCalls: this.factoryCalls,
      factoryErrors: this.factoryErrors,
      factoryTimeouts: this.factoryTimeouts,
      failSafeActivations: this.failSafeActivations,
      eagerRefreshes: this.eagerRefreshes,
      storeErrors: this.storeErrors,
      circuitOpens: this.circuitOpens,
      busPublished: this.busPublished,
      busReceived: this.busReceived,
      busGaps: this.busGaps,
      hitRatio: reads === 0 ? 0 : this.hits / reads,
    });
  }

  /** Back to zero. */
  reset(): void {
    for (const field of Object.keys(this) as (keyof this)[]) {
      if (typeof this[field] === 'number') (this as Record<keyof this, unknown>)[field] = 0;
    }
  }
}
