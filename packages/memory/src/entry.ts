/**
 * One entry of a {@link MemoryStore}, and the TTL arithmetic every operation shares.
 *
 * @packageDocumentation
 */

import { InvalidTtlError, MAX_TTL_MS } from '@cache/core';

/**
 * One stored entry. Every entry is built by the same constructor and only ever has
 * its fields reassigned, never added or deleted, so V8 sees a single hidden class
 * and the hot path stays monomorphic.
 *
 * Invariants:
 * - `isBytes` is `true` exactly when the entry was written through the byte
 *   interface (or by `increment`); `value` then holds a private copy of the bytes
 *   (read it with {@link MemoryEntry.storedBytes}). Otherwise `value` holds the
 *   caller's object (which may itself be a `Uint8Array`: `isBytes` tells them apart).
 *   One field for both keeps entries small: every field is 8 bytes per entry, copied
 *   by each young-generation GC the entry survives.
 * - `expiresAt` is `0` for "never", otherwise ms since epoch; the entry is expired
 *   once `expiresAt <= Date.now()`.
 * - `size` is what the entry counts against `maxBytes` (0 for by-reference values
 *   when no byte bound is configured).
 * - While the entry is in the store, `prev`/`next` link it into exactly one list of
 *   its eviction policy (`segment` says which); once removed, both point at the
 *   entry itself.
 */
export class MemoryEntry {
  /** The caller's (unprefixed) key. */
  key: string;
  /** The stored object, or for a byte entry the private copy of its bytes. */
  value: unknown;
  /** Whether this entry holds bytes rather than a value by reference. */
  isBytes: boolean;
  /** Expiry in ms since epoch, `0` for never. */
  expiresAt: number;
  /** Bytes this entry counts against `maxBytes`. */
  size: number;
  /** The key's hash in the frequency sketch (TinyLFU only; set when the entry is added). */
  hash: number;
  /** Which list of the eviction policy holds the entry (policy-defined, 0 for LRU). */
  segment: number;
  /** Uses not yet counted in the frequency sketch (TinyLFU only; saturates at 15). */
  pending: number;
  /** The neighbour towards the front (more recently used) of its list. */
  prev: MemoryEntry;
  /** The neighbour towards the back (less recently used) of its list. */
  next: MemoryEntry;

  /**
   * An empty by-reference entry, unlinked. Writers fill it with
   * {@link MemoryEntry.holdBytes} or {@link MemoryEntry.holdValue}.
   *
   * @param key - the caller's key
   */
  constructor(key: string) {
    this.key = key;
    this.value = undefined;
    this.isBytes = false;
    this.expiresAt = 0;
    this.size = 0;
    this.hash = 0;
    this.segment = 0;
    this.pending = 0;
    this.prev = this;
    this.next = this;
  }

  /** The private byte copy of a byte entry (only when `isBytes`). */
  storedBytes(): Uint8Array {
    return this.value as Uint8Array;
  }

  /** Replaces the content with a private byte copy. */
  holdBytes(bytes: Uint8Array, expiresAt: number, size: number): void {
    this.value = bytes;
    this.isBytes = true;
    this.expiresAt = expiresAt;
    this.size = size;
  }

  /** Replaces the content with a by-reference value. */
  holdValue(value: unknown, expiresAt: number, size: number): void {
    this.value = value;
    this.isBytes = false;
    this.expiresAt = expiresAt;
    this.size = size;
  }
}

/** Converts a store TTL to an absolute expiry (`0` stays "never"). */
export function expiryOf(ttl: number): number {
  if (ttl === 0) return 0;
  if (ttl > 0 && ttl <= MAX_TTL_MS) return Date.now() + ttl;
  throw new InvalidTtlError(`store TTL must be 0 or a positive number of ms up to ${MAX_TTL_MS}, got ${ttl}`);
}

/** Whether `entry` has expired at `now` (ms since epoch). */
export function isExpired(entry: MemoryEntry, now: number): boolean {
  return entry.expiresAt !== 0 && entry.expiresAt <= now;
}
