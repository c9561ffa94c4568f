/**
 * The W-TinyLFU policy (Einziger, Friedman & Manes, 2017; Caffeine's policy): a small
 * LRU window in front of a segmented LRU main space, and a frequency sketch that
 * decides which of the window's evictee and the main space's victim stays.
 *
 * @packageDocumentation
 */

import type { MemoryEntry } from '../entry.js';
import { LruList } from '../lru-list.js';
import type { EvictionBounds, EvictionHost, EvictionPolicy } from './policy.js';
import { HITS_CAP, WindowClimber } from './climber.js';
import { FrequencySketch, hashKey } from './sketch.js';

/** Share of the bounds the window starts with (Caffeine's 1 %); the climber then resizes it. */
const WINDOW_SHARE = 0.01;
/** Share of the main space that is protected (the rest is probation). */
const PROTECTED_SHARE = 0.8;
/**
 * A candidate at least this frequent is admitted against a more frequent victim one
 * time in 128 (Caffeine's defence against hash flooding: keys crafted to collide with
 * a victim's counters could otherwise keep everything else out).
 */
const WARM_CANDIDATE = 6;

/** Uses an entry counts before they reach the sketch (a sketch counter saturates there too). */
const MAX_PENDING = 15;

const WINDOW = 0;
const PROBATION = 1;
const PROTECTED = 2;

/**
 * W-TinyLFU, sized by entries and by bytes.
 *
 * - **Window** (1 % of both bounds at first, at least the newest entry): every new
 *   entry enters here, as in an LRU; a burst of new keys competes only with itself.
 *   Its size adapts ({@link WindowClimber}): it grows while that raises the hit
 *   ratio of reads (recency-biased workloads, up to plain LRU) and shrinks while
 *   shrinking does (frequency-biased ones).
 * - **Main** = probation + protected (80 % of main): an entry leaving the window
 *   joins probation if there is room; otherwise it is a *candidate* against main's
 *   *victim* (the least recently used of probation, else of protected) and the one
 *   the sketch estimates less frequent is evicted. A hit in probation promotes to
 *   protected; protected's overflow is demoted back to probation.
 * - **Sketch**: every hit and every write counts one use of the key; misses cost
 *   nothing (a miss followed by a write counts once, through the write). A hit
 *   only bumps a counter on the entry (so it costs what an LRU hit costs); those
 *   uses reach the sketch when the entry duels, is demoted or leaves the store: its
 *   frequency is read only in a duel, and would be lost with the entry.
 *
 * A one-pass scan therefore only ever churns the window and loses every duel, and a
 * loop larger than the store keeps a stable subset instead of missing every time.
 */
export class TinyLfuPolicy implements EvictionPolicy {
  private readonly window = new LruList();
  private readonly probation = new LruList();
  private readonly protected = new LruList();
  private readonly sketch: FrequencySketch;
  private readonly climber: WindowClimber;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private windowMaxEntries = 1;
  private windowMaxBytes = 0;
  private protectedMaxEntries = 0;
  private protectedMaxBytes = 0;
  private readonly seed: number;
  private windowEntries = 0;
  private windowBytes = 0;
  private protectedEntries = 0;
  private protectedBytes = 0;
  private entries = 0;
  /** Whether a bound was reached at least once (the climber waits for it). */
  private filled = false;
  /** xorshift32 state for the admission jitter. */
  private random: number;

  constructor(
    private readonly host: EvictionHost,
    bounds: EvictionBounds,
  ) {
    const { maxEntries, maxBytes } = bounds;
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
    this.sizeWindow(Math.round(maxEntries * WINDOW_SHARE));
    this.sketch = new FrequencySketch(maxEntries);
    this.climber = new WindowClimber(maxEntries);
    // Per store, so nobody can precompute colliding keys; never 0 (xorshift's fixed point).
    this.seed = (Math.random() * 2 ** 32) | 0;
    this.random = this.seed | 1;
  }

  hit(entry: MemoryEntry): void {
    const climber = this.climber;
    if (climber.hits < HITS_CAP) climber.hits++;
    this.use(entry);
  }

  miss(): void {
    const adjustment = this.climber.miss(this.filled);
    if (adjustment !== 0) this.resizeWindow(adjustment);
  }

  /** A use (a hit or a rewrite): counted on the entry, and the entry reordered in its segment. */
  private use(entry: MemoryEntry): void {
    const pending = entry.pending;
    if (pending < MAX_PENDING) entry.pending = pending + 1;
    const segment = entry.segment;
    if (segment === WINDOW) this.window.moveToFront(entry);
    else if (segment === PROTECTED) this.protected.moveToFront(entry);
    else this.promote(entry);
  }

  add(entry: MemoryEntry): void {
    entry.hash = hashKey(entry.key, this.seed);
    entry.segment = WINDOW;
    // The write's use reaches the sketch with the entry's hits, when its frequency is
    // first read (a duel) or it leaves: one visit of the sketch per insertion, not two.
    entry.pending = 1;
    this.sketch.ensureCapacity(++this.entries);
    this.window.pushFront(entry);
    this.windowEntries++;
    this.windowBytes += entry.size;
  }

  rewrite(entry: MemoryEntry, oldSize: number): void {
    const grown = entry.size - oldSize;
    if (entry.segment === WINDOW) this.windowBytes += grown;
    else if (entry.segment === PROTECTED) this.protectedBytes += grown;
    this.use(entry);
  }

  unlink(entry: MemoryEntry): void {
    // The key's history outlives the entry: it decides the duel if the key comes back.
    // Not for an entry written and never read since (most expired and deleted ones):
    // that saves the sweep a sketch update per entry, and a one-off write is no history.
    if (entry.pending > 1) this.flush(entry);
    const segment = entry.segment;
    if (segment === WINDOW) {
      this.window.unlink(entry);
      this.windowEntries--;
      this.windowBytes -= entry.size;
    } else if (segment === PROTECTED) {
      this.protected.unlink(entry);
      this.protectedEntries--;
      this.protectedBytes -= entry.size;
    } else {
      this.probation.unlink(entry);
    }
    this.entries--;
  }

  evict(newest: MemoryEntry): void {
    const host = this.host;
    // The window's overflow moves to probation, each one admitted only if it wins
    // against main's victims while the store is over a bound.
    while (this.windowEntries > this.windowMaxEntries || this.windowBytes > this.windowMaxBytes) {
      const candidate = this.window.lastExcept(newest);
      if (candidate === undefined) break;
      this.toProbation(candidate);
      while (host.over()) {
        this.filled = true;
        const victim = this.probation.lastExcept(candidate, newest) ?? this.protected.lastExcept(newest);
        if (victim === undefined || !this.admit(candidate, victim)) {
          host.evict(candidate);
          break;
        }
        host.evict(victim);
      }
    }
    // Still over (a large write, or main grown while the window was short): main's
    // least recently used go, then the window's oldest.
    while (host.over()) {
      this.filled = true;
      const victim =
        this.probation.lastExcept(newest) ??
        this.protected.lastExcept(newest) ??
        this.window.lastExcept(newest);
      if (victim === undefined) return;
      host.evict(victim);
    }
  }

  clear(): void {
    this.window.clear();
    this.probation.clear();
    this.protected.clear();
    this.sketch.clear();
    this.climber.reset();
    this.filled = false;
    this.windowEntries = 0;
    this.windowBytes = 0;
    this.protectedEntries = 0;
    this.protectedBytes = 0;
    this.entries = 0;
  }

  /** Whether the candidate should replace the victim: more frequent, or rarely when warm (see {@link WARM_CANDIDATE}). */
  private admit(candidate: MemoryEntry, victim: MemoryEntry): boolean {
    const candidateFrequency = this.frequencyOf(candidate);
    if (candidateFrequency > this.frequencyOf(victim)) return true;
    if (candidateFrequency < WARM_CANDIDATE) return false;
    let x = this.random;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.random = x;
    return (x & 127) === 0;
  }

  /** Counts the entry's pending uses in the sketch. */
  private flush(entry: MemoryEntry): void {
    if (entry.pending === 0) return;
    this.sketch.increment(entry.hash, entry.pending);
    entry.pending = 0;
  }

  /** The entry's estimated frequency, its pending uses counted first (one pass over the sketch). */
  private frequencyOf(entry: MemoryEntry): number {
    const pending = entry.pending;
    if (pending === 0) return this.sketch.frequency(entry.hash);
    entry.pending = 0;
    return this.sketch.increment(entry.hash, pending);
  }

  private toProbation(entry: MemoryEntry): void {
    this.window.unlink(entry);
    this.windowEntries--;
    this.windowBytes -= entry.size;
    entry.segment = PROBATION;
    this.probation.pushFront(entry);
  }

  /** A hit in probation: into protected; protected's overflow back to probation. */
  private promote(entry: MemoryEntry): void {
    this.probation.unlink(entry);
    entry.segment = PROTECTED;
    this.protected.pushFront(entry);
    this.protectedEntries++;
    this.protectedBytes += entry.size;
    this.demoteOverflow();
  }

  /** Protected's least recently used go back to probation while it is over its share. */
  private demoteOverflow(): void {
    while (this.protectedEntries > this.protectedMaxEntries || this.protectedBytes > this.protectedMaxBytes) {
      const demoted = this.protected.last();
      if (demoted === undefined) return;
      this.protected.unlink(demoted);
      this.protectedEntries--;
      this.protectedBytes -= demoted.size;
      this.flush(demoted);
      demoted.segment = PROBATION;
      this.probation.pushFront(demoted);
    }
  }

  /** Sets the window to `entries` (clamped to 1 … maxEntries) and the protected share of the rest. */
  private sizeWindow(entries: number): void {
    const maxEntries = this.maxEntries;
    const window = Math.min(Math.max(1, entries), maxEntries);
    this.windowMaxEntries = window;
    this.protectedMaxEntries = Math.floor((maxEntries - window) * PROTECTED_SHARE);
    const maxBytes = this.maxBytes;
    // Unbounded bytes: every share unbounded too (Infinity - Infinity would be NaN).
    this.windowMaxBytes = Number.isFinite(maxBytes) ? (maxBytes * window) / maxEntries : maxBytes;
    this.protectedMaxBytes = Number.isFinite(maxBytes)
      ? (maxBytes - this.windowMaxBytes) * PROTECTED_SHARE
      : maxBytes;
  }

  /**
   * The climber's adjustment: a larger window takes main's least recently used
   * entries (probation first) as its newest; a smaller one hands its oldest to
   * probation. Bounded by the step (at most 6.25 % of `maxEntries`, once per period of
   * 10 × `maxEntries` reads).
   */
  private resizeWindow(adjustment: number): void {
    this.sizeWindow(this.windowMaxEntries + adjustment);
    this.demoteOverflow();
    while (this.windowEntries < this.windowMaxEntries && this.windowBytes < this.windowMaxBytes) {
      const entry = this.probation.last() ?? this.protected.last();
      if (entry === undefined) break;
      if (entry.segment === PROTECTED) {
        this.protected.unlink(entry);
        this.protectedEntries--;
        this.protectedBytes -= entry.size;
      } else {
        this.probation.unlink(entry);
      }
      entry.segment = WINDOW;
      this.window.pushFront(entry);
      this.windowEntries++;
      this.windowBytes += entry.size;
    }
    while (this.windowEntries > this.windowMaxEntries || this.windowBytes > this.windowMaxBytes) {
      const entry = this.window.last();
      if (entry === undefined || this.windowEntries === 1) break;
      this.toProbation(entry);
    }
  }
}
