/**
 * An intrusive, circular, doubly linked list threaded through the entries
 * themselves: the recency order of one segment of an eviction policy. Marking an
 * entry as used is a few pointer writes, with no allocation and no `Map`
 * delete/re-insert.
 *
 * @packageDocumentation
 */

import { MemoryEntry } from './entry.js';

/**
 * Recency list with a sentinel node: `sentinel.next` is the most recently used
 * entry, `sentinel.prev` the least recently used. The sentinel removes every
 * "is this the head/tail/empty?" branch from linking and unlinking.
 */
export class LruList {
  private readonly sentinel = new MemoryEntry('');

  /** Links an unlinked entry as the most recently used. */
  pushFront(entry: MemoryEntry): void {
    const sentinel = this.sentinel;
    const first = sentinel.next;
    entry.prev = sentinel;
    entry.next = first;
    first.prev = entry;
    sentinel.next = entry;
  }

  /** Moves a linked entry to the front. O(1), no allocation. */
  moveToFront(entry: MemoryEntry): void {
    const sentinel = this.sentinel;
    const first = sentinel.next;
    if (first === entry) return;
    entry.prev.next = entry.next;
    entry.next.prev = entry.prev;
    entry.prev = sentinel;
    entry.next = first;
    first.prev = entry;
    sentinel.next = entry;
  }

  /** Unlinks an entry; it then points at itself. */
  unlink(entry: MemoryEntry): void {
    entry.prev.next = entry.next;
    entry.next.prev = entry.prev;
    entry.prev = entry;
    entry.next = entry;
  }

  /** The least recently used entry, or `undefined` when empty. */
  last(): MemoryEntry | undefined {
    const tail = this.sentinel.prev;
    return tail === this.sentinel ? undefined : tail;
  }

  /** The least recently used entry other than `a` and `b`, or `undefined`. */
  lastExcept(a: MemoryEntry, b: MemoryEntry = a): MemoryEntry | undefined {
    let tail = this.sentinel.prev;
    while (tail === a || tail === b) tail = tail.prev;
    return tail === this.sentinel ? undefined : tail;
  }

  /** Forgets every entry (their links are left dangling: they are unreachable after a flush). */
  clear(): void {
    this.sentinel.prev = this.sentinel;
    this.sentinel.next = this.sentinel;
  }
}
