/**
 * The LRU policy: one recency list, evicting from its least recently used end.
 *
 * @packageDocumentation
 */

import type { MemoryEntry } from '../entry.js';
import { LruList } from '../lru-list.js';
import type { EvictionHost, EvictionPolicy } from './policy.js';

/**
 * Least recently used: reads and writes move an entry to the front; eviction takes
 * the back, expired or not. Exactly what lru-cache does; it collapses on scans (a
 * one-pass read of more keys than fit flushes the whole store) and on loops slightly
 * larger than the store (every read misses).
 */
export class LruPolicy implements EvictionPolicy {
  private readonly list = new LruList();

  constructor(private readonly host: EvictionHost) {}

  hit(entry: MemoryEntry): void {
    this.list.moveToFront(entry);
  }

  miss(): void {
    // Nothing to adapt.
  }

  add(entry: MemoryEntry): void {
    this.list.pushFront(entry);
  }

  rewrite(entry: MemoryEntry): void {
    this.list.moveToFront(entry);
  }

  unlink(entry: MemoryEntry): void {
    this.list.unlink(entry);
  }

  evict(newest: MemoryEntry): void {
    const host = this.host;
    while (host.over()) {
      const victim = this.list.lastExcept(newest);
      if (victim === undefined) return;
      host.evict(victim);
    }
  }

  clear(): void {
    this.list.clear();
  }
}
