/**
 * The entries of a {@link MemoryStore}: the index, the eviction policy over it, and
 * the counts the bounds are checked against. Every insertion, rewrite and removal
 * goes through here, which is what keeps index, policy and counts in agreement.
 *
 * @packageDocumentation
 */

import { MemoryEntry } from './entry.js';
import { LruPolicy } from './eviction/lru.js';
import type { EvictionHost, EvictionPolicy, EvictionPolicyName } from './eviction/policy.js';
import { TinyLfuPolicy } from './eviction/tinylfu.js';

/** The bounds and policy of a table. */
export interface EntryTableOptions {
  readonly maxEntries: number;
  /** `Infinity` when unbounded. */
  readonly maxBytes: number;
  readonly policy: EvictionPolicyName;
}

/**
 * Index (`Map`) + eviction policy + counts. Invariants after every method: the map
 * and the policy's lists hold the same entries; `totalBytes` is the sum of their
 * `size`, `expiring` the number with a TTL; after a write, both bounds hold.
 */
export class EntryTable {
  readonly map = new Map<string, MemoryEntry>();
  readonly eviction: EvictionPolicy;
  /** Sum of `entry.size` over every entry. */
  totalBytes = 0;
  /** Entries with a TTL; the sweep does nothing while this is 0. */
  expiring = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  /** The last entry removed, reused by the next insertion: steady-state churn allocates no entries. */
  private spare: MemoryEntry | undefined;

  constructor(options: EntryTableOptions) {
    this.maxEntries = options.maxEntries;
    this.maxBytes = options.maxBytes;
    const host: EvictionHost = {
      over: (): boolean => this.map.size > this.maxEntries || this.totalBytes > this.maxBytes,
      evict: (entry: MemoryEntry): void => this.remove(entry),
    };
    this.eviction = options.policy === 'lru' ? new LruPolicy(host) : new TinyLfuPolicy(host, options);
  }

  /** The entry for `key` unless absent or expired (an expired entry is removed). Not a use. */
  live(key: string): MemoryEntry | undefined {
    const entry = this.map.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt !== 0 && entry.expiresAt <= Date.now()) {
      this.remove(entry);
      return undefined;
    }
    return entry;
  }

  /**
   * Upserts `bytes` (when given, owned by the store) or `value`, counting `size`. An
   * existing entry is rewritten in place (a use); a new one reuses the last removed
   * entry object when there is one. Either way the policy then evicts until both
   * bounds hold, never this entry. An entry that alone exceeds `maxBytes` is not
   * stored, and the key's old value is removed so that no read sees data older than
   * the write.
   */
  write(key: string, bytes: Uint8Array | undefined, value: unknown, expiresAt: number, size: number): void {
    let entry = this.map.get(key);
    if (size > this.maxBytes) {
      if (entry !== undefined) this.remove(entry);
      return;
    }
    const existing = entry !== undefined;
    let oldSize = 0;
    if (entry !== undefined) {
      oldSize = entry.size;
      this.totalBytes -= oldSize;
      if (entry.expiresAt !== 0) this.expiring--;
    } else {
      entry = this.spare ?? new MemoryEntry(key);
      this.spare = undefined;
      entry.key = key;
      this.map.set(key, entry);
    }
    if (bytes === undefined) entry.holdValue(value, expiresAt, size);
    else entry.holdBytes(bytes, expiresAt, size);
    this.totalBytes += size;
    if (expiresAt !== 0) this.expiring++;
    if (existing) {
      this.eviction.rewrite(entry, oldSize);
      if (this.map.size > this.maxEntries || this.totalBytes > this.maxBytes) this.eviction.evict(entry);
    } else {
      this.eviction.add(entry);
      // Always: besides the bounds, a policy may rebalance its segments after an insertion.
      this.eviction.evict(entry);
    }
  }

  /** Removes an entry from the index, the policy and the counts. */
  remove(entry: MemoryEntry): void {
    this.map.delete(entry.key);
    this.eviction.unlink(entry);
    this.totalBytes -= entry.size;
    if (entry.expiresAt !== 0) this.expiring--;
    // Drop the references so that the spare entry retains nothing large.
    entry.holdValue(undefined, 0, 0);
    this.spare = entry;
  }

  /** Removes every entry. */
  clear(): void {
    this.map.clear();
    this.eviction.clear();
    this.spare = undefined;
    this.totalBytes = 0;
    this.expiring = 0;
  }
}
