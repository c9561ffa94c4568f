/**
 * The background expiry sweep of a {@link MemoryStore}: an adaptive walk over the map
 * in insertion order, driven by one unref'd interval (plus at most one catch-up timer
 * while expired entries pile up). No timer per key.
 *
 * @packageDocumentation
 */

import type { MemoryEntry } from './entry.js';

/** Entries examined between two checks of the expired ratio and the clock. */
const CHUNK = 256;
/**
 * A step examines at least this fraction of the store (1/32), within `pruneLimit`,
 * so every entry is looked at within ~32 steps however few have expired.
 */
const FULL_PASS_STEPS = 32;
/** A step stops after this long even below `pruneLimit`: bounds its pause on a slow or loaded machine. */
const STEP_BUDGET_MS = 4;

/** What a {@link Pruner} needs from its store. */
export interface PruneHost {
  /** Entries with a TTL; nothing to do while 0. */
  expiring(): number;
  /** Removes an entry from the map, the list and the counters. */
  removeEntry(entry: MemoryEntry): void;
}

/**
 * One store's sweep state.
 *
 * A step walks the map from where the previous step stopped, in chunks of
 * {@link CHUNK} entries, removing the expired ones. It keeps going while the chunks
 * it meets are *mostly expired* (at least a quarter), up to `limit` entries and
 * {@link STEP_BUDGET_MS}; once they are mostly live it stops after its minimum share
 * (`max(CHUNK, size / 32)`, within `limit`). A step cut short by its bounds while
 * still meeting mostly expired entries sets {@link Pruner.behind}, and the timer then
 * runs the next step almost at once instead of a full interval later: reclaiming
 * keeps up with any insertion rate, each step's pause stays bounded, and since a
 * dense chunk is ≥ 25 % removals the work is proportional to the entries that expire.
 */
export class Pruner {
  /** Whether the last step stopped on its bounds while expired entries were still dense. */
  behind = false;
  /** Where the next step resumes; `undefined` to start from the oldest insertion. */
  private cursor: MapIterator<MemoryEntry> | undefined;

  /**
   * @param map - the store's index (its iteration order is insertion order)
   * @param host - the store
   * @param limit - most entries one step examines (`pruneLimit`)
   */
  constructor(
    private readonly map: Map<string, MemoryEntry>,
    private readonly host: PruneHost,
    private readonly limit: number,
  ) {}

  /** Forgets the position (after a flush: the old iterator would walk a cleared map). */
  reset(): void {
    this.cursor = undefined;
    this.behind = false;
  }

  /** Runs one step; returns how many entries it removed. */
  step(): number {
    this.behind = false;
    const host = this.host;
    if (host.expiring() === 0) return 0;
    const now = Date.now();
    const started = performance.now();
    const limit = this.limit;
    const floor = Math.min(limit, Math.max(CHUNK, Math.ceil(this.map.size / FULL_PASS_STEPS)));
    // Map iterators are live: they survive deletions and see later insertions, so one
    // iterator kept across steps walks the whole map over successive steps.
    const cursor = this.cursor ?? this.map.values();
    this.cursor = cursor;
    let examined = 0;
    let removed = 0;
    for (;;) {
      const size = Math.min(CHUNK, limit - examined);
      let expired = 0;
      let seen = 0;
      let ended = false;
      while (seen < size) {
        const next = cursor.next();
        if (next.done === true) {
          ended = true;
          break;
        }
        seen++;
        const entry = next.value;
        if (entry.expiresAt !== 0 && entry.expiresAt <= now) {
          host.removeEntry(entry);
          expired++;
        }
      }
      examined += seen;
      removed += expired;
      const dense = seen > 0 && expired * 4 >= seen;
      if (ended) {
        // End of the map: the next step starts again from the oldest insertion.
        this.cursor = undefined;
        this.behind = dense;
        return removed;
      }
      if (host.expiring() === 0) return removed;
      if (examined >= limit || performance.now() - started >= STEP_BUDGET_MS) {
        this.behind = dense;
        return removed;
      }
      if (!dense && examined >= floor) return removed;
    }
  }
}

/** The timers of one store's sweep. */
export interface PruneTimer {
  /** Clears every timer. */
  stop(): void;
  /** The interval (exposed for tests: it must be unref'd). */
  readonly interval: ReturnType<typeof setInterval>;
}

/**
 * Starts the sweep: a step every `intervalMs`, and, while a step reports
 * {@link Pruner.behind}, further steps 1 ms apart (one pending catch-up timer at most;
 * the gap lets I/O callbacks run between steps). Every timer is unref'd and holds the
 * pruner only weakly, so a store dropped without `close()` can still be garbage
 * collected; the timers then stop themselves.
 */
export function startPruneTimer(pruner: Pruner, intervalMs: number): PruneTimer {
  const ref = new WeakRef(pruner);
  let catchUp: ReturnType<typeof setTimeout> | undefined;
  const run = (): void => {
    const target = ref.deref();
    if (target === undefined) {
      clearInterval(interval);
      return;
    }
    target.step();
    if (target.behind && catchUp === undefined) {
      catchUp = setTimeout(() => {
        catchUp = undefined;
        run();
      }, 1);
      catchUp.unref();
    }
  };
  const interval = setInterval(run, intervalMs);
  interval.unref();
  return {
    interval,
    stop(): void {
      clearInterval(interval);
      if (catchUp !== undefined) clearTimeout(catchUp);
      catchUp = undefined;
    },
  };
}
