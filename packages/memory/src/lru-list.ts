/**
 * The recency order of a {@link MemoryStore}: an intrusive, circular, doubly linked
 * list threaded through the entries themselves, so that marking an entry as used is
 * four pointer writes with no allocation and no `Map` delete/re-insert.
 *
 * @packageDocumentation
 */

/** Shared empty buffer held by by-reference entries, so `bytes` is always a `Uint8Array`. */
const NO_BYTES = new Uint8Array(0);

/**
 * One stored entry. Every entry is built by the same constructor and only ever has
 * its fields reassigned, never added or deleted, so V8 sees a single hidden class
 * and the hot path stays monomorphic.
 *
 * Invariants:
 * - `isBytes` is `true` exactly when the entry was written through the byte
 *   interface (or by `increment`); `bytes` then holds a private copy and `value`
 *   is `undefined`. Otherwise `value` holds the caller's object and `bytes` is a
 *   shared empty buffer.
 * - `expiresAt` is `0` for "never", otherwise ms since epoch; the entry is expired
 *   once `expiresAt <= Date.now()`.
 * - `size` is what the entry counts against `maxBytes` (0 for by-reference values
 *   when no byte bound is configured).
 * - While the entry is in the store, `prev`/`next` link it into the list; once
 *   removed, both point at the entry itself.
 */
export class MemoryEntry {
  /** The caller's (unprefixed) key. */
  key: string;
  /** Private copy of the stored bytes (byte entries only). */
  bytes: Uint8Array;
  /** The stored object (by-reference entries only). */
  value: unknown;
  /** Whether this entry holds bytes rather than a value by reference. */
  isBytes: boolean;
  /** Expiry in ms since epoch, `0` for never. */
  expiresAt: number;
  /** Bytes this entry counts against `maxBytes`. */
  size: number;
  /** Next more recently used entry (the sentinel for the most recent). */
  prev: MemoryEntry;
  /** Next less recently used entry (the sentinel for the least recent). */
  next: MemoryEntry;

  /**
   * An empty by-reference entry, unlinked. Writers fill it with
   * {@link MemoryEntry.holdBytes} or {@link MemoryEntry.holdValue}.
   *
   * @param key - the caller's key
   */
  constructor(key: string) {
    this.key = key;
    this.bytes = NO_BYTES;
    this.value = undefined;
    this.isBytes = false;
    this.expiresAt = 0;
    this.size = 0;
    this.prev = this;
    this.next = this;
  }

  /** Replaces the content with a private byte copy. */
  holdBytes(bytes: Uint8Array, expiresAt: number, size: number): void {
    this.bytes = bytes;
    this.value = undefined;
    this.isBytes = true;
    this.expiresAt = expiresAt;
    this.size = size;
  }

  /** Replaces the content with a by-reference value. */
  holdValue(value: unknown, expiresAt: number, size: number): void {
    this.bytes = NO_BYTES;
    this.value = value;
    this.isBytes = false;
    this.expiresAt = expiresAt;
    this.size = size;
  }
}

/**
 * Recency list with a sentinel node: `sentinel.next` is the most recently used
 * entry, `sentinel.prev` the least recently used. The sentinel removes every
 * "is this the head/tail/empty?" branch from linking and unlinking.
 */
export class LruList {
  private readonly sentinel = new MemoryEntry('');

  /** Links a new entry as the most recently used. */
  pushFront(entry: MemoryEntry): void {
    const first = this.sentinel.next;
    entry.prev = this.sentinel;
    entry.next = first;
    first.prev = entry;
    this.sentinel.next = entry;
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

  /** Forgets every entry (their links are left dangling: they are unreachable after a flush). */
  clear(): void {
    this.sentinel.prev = this.sentinel;
    this.sentinel.next = this.sentinel;
  }
}
