/**
 * The hill climber that sizes the TinyLFU window (Caffeine's adaptive W-TinyLFU):
 * recency-biased workloads want a large window (at the limit, plain LRU), frequency-
 * biased ones a small one. It watches the hit ratio of reads per sample period and
 * keeps moving the window size in the direction that improved it.
 *
 * @packageDocumentation
 */

/** First step, and step after a restart: this share of `maxEntries`. */
const STEP_SHARE = 0.0625;
/** A hit-ratio change this large (5 points) means the workload changed: the step restarts at full size. */
const RESTART_THRESHOLD = 0.05;
/** Each period the step shrinks by this factor, so the size settles. */
const STEP_DECAY = 0.98;
/** Largest {@link WindowClimber.hits} (V8's small-integer range is 2^30 on 64-bit). */
export const HITS_CAP = 2 ** 30 - 1;
/** Fewest reads per period: a hit ratio over fewer is too noisy (±1 point at 2σ over 10,000). */
const MIN_PERIOD = 10_000;

/**
 * Counts read hits and misses; at the end of each period returns how many entries the
 * window should grow (positive) or shrink (negative) by.
 */
export class WindowClimber {
  /**
   * Hits in the current period, counted by the policy's hit path (a field increment).
   * Saturates at {@link HITS_CAP}: beyond a small integer V8 would change the field's
   * representation and deoptimise the hit path, and a store that never misses never
   * ends a period.
   */
  hits = 0;
  private misses = 0;
  private previousHitRatio = 0;
  private step: number;

  constructor(private readonly maxEntries: number) {
    // Caffeine starts by shrinking the window from its initial 1 %.
    this.step = -STEP_SHARE * maxEntries;
  }

  /**
   * Counts a miss. At the end of a period, returns the window adjustment in entries,
   * 0 otherwise. A period lasts until the store has missed `maxEntries` times (its
   * contents turned over about once, so the last resize has shown its effect) and has seen at least 10,000 reads (so the ratio is not noise). Caffeine
   * uses 10 × `maxEntries` reads, which adapts as well but 3–5 times slower when
   * most reads miss, as in the recency-biased workloads that need the climber most.
   *
   * @param filled - whether the store has reached a bound (evicted) at least once
   */
  miss(filled: boolean): number {
    this.misses++;
    const reads = this.hits + this.misses;
    if (this.misses < this.maxEntries || reads < MIN_PERIOD) return 0;
    const ratio = this.hits / reads;
    this.hits = 0;
    this.misses = 0;
    // Until the store first reaches a bound, the hit ratio climbs whatever the window
    // does (it is warming up): nothing to learn yet. Caffeine waits likewise.
    if (!filled) {
      this.previousHitRatio = 0;
      return 0;
    }
    const change = ratio - this.previousHitRatio;
    // Improved (or equal): keep going the same way; worse: turn back.
    const amount = change >= 0 ? this.step : -this.step;
    this.step =
      Math.abs(change) >= RESTART_THRESHOLD
        ? STEP_SHARE * this.maxEntries * Math.sign(amount || 1)
        : STEP_DECAY * amount;
    this.previousHitRatio = ratio;
    return Math.round(amount);
  }

  /** Forgets the current period (after a flush); the window size found so far stays. */
  reset(): void {
    this.hits = 0;
    this.misses = 0;
  }
}
