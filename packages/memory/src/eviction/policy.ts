/**
 * What an eviction policy of a {@link MemoryStore} does, and what it needs from the
 * store. The store owns the index (`Map`), the byte and entry counts and the
 * removal of an entry; a policy owns the order entries are evicted in.
 *
 * @packageDocumentation
 */

import type { MemoryEntry } from '../entry.js';

/** The eviction policies a {@link MemoryStore} offers (see the README's _Eviction_). */
export type EvictionPolicyName = 'tinylfu' | 'lru';

/** What a policy needs from its store. */
export interface EvictionHost {
  /** Whether the store is over `maxEntries` or `maxBytes`. */
  over(): boolean;
  /** Removes an entry from the index, the policy (through {@link EvictionPolicy.unlink}) and the counts. */
  evict(entry: MemoryEntry): void;
}

/**
 * The bounds a policy sizes its segments from (entries and bytes; `maxBytes` is
 * `Infinity` when unbounded).
 */
export interface EvictionBounds {
  readonly maxEntries: number;
  readonly maxBytes: number;
}

/**
 * An eviction policy. Every method is synchronous and allocates nothing; the store
 * calls exactly one of {@link EvictionPolicy.add} / {@link EvictionPolicy.unlink}
 * per entry entering / leaving it, so the policy's lists always hold exactly the
 * store's entries.
 */
export interface EvictionPolicy {
  /** A read hit (`get`, `getMany`, `peekValue`): counts as a use. */
  hit(entry: MemoryEntry): void;
  /** A read miss (absent or expired): no entry to count, but part of the hit ratio. */
  miss(): void;
  /** A new entry, already filled (its `size` set) and in the index: links it as the newest. */
  add(entry: MemoryEntry): void;
  /** An existing entry was written again (a use), its size changed from `oldSize`. */
  rewrite(entry: MemoryEntry, oldSize: number): void;
  /** The entry leaves the store: unlinks it (its `size` is still the one it was counted with). */
  unlink(entry: MemoryEntry): void;
  /**
   * Called after a write while the store is over a bound: evicts entries through
   * {@link EvictionHost.evict} until both bounds hold. Never evicts `newest`, the
   * entry just written (it fits alone: larger entries are never stored).
   */
  evict(newest: MemoryEntry): void;
  /** Forgets every entry (after a flush or close). */
  clear(): void;
}
