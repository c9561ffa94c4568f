import type { DecodedEntry } from '../entry/entry-codec.js';
import { NO_EXPIRY, type ReferenceStore } from '../store.js';
import type { Coherence } from './coherence.js';
import { referenceOf, remainingLifetime } from './tiers.js';

/**
 * An L1 slot: what the hybrid tier keeps in the L1 store for a key — the value
 * (or its envelope) by reference, and the L1 generation it was written in. A slot
 * of an older generation is not served: that is how a gap invalidates the whole
 * L1 in O(1).
 */
class L1Slot {
  constructor(
    readonly value: unknown,
    readonly generation: number,
  ) {}
}

/**
 * The hybrid tier's L1: which slot may be served (generation, bus state), filling
 * from L2 reads unless a bus event overlapped them, the `l1Ttl` bound, and drops.
 * An L1 is an optimisation: a value it refuses or a closed L1 is never an error.
 */
export class L1Slots {
  readonly #l1: ReferenceStore;
  readonly #ttlMs: number;
  readonly #coherence: Coherence | undefined;
  readonly #degraded: () => boolean;

  /**
   * @param l1 - the in-process by-reference store
   * @param ttlMs - longest time an entry lives in L1
   * @param coherence - the bus link, if any
   * @param degraded - whether the store is being skipped (circuit open): then L1 serves with the bus down
   */
  constructor(l1: ReferenceStore, ttlMs: number, coherence: Coherence | undefined, degraded: () => boolean) {
    this.#l1 = l1;
    this.#ttlMs = ttlMs;
    this.#coherence = coherence;
    this.#degraded = degraded;
  }

  /** The key's slot when it may be served (right generation, bus connected), else `undefined`. */
  slot(key: string): L1Slot | undefined {
    const coherence = this.#coherence;
    if (coherence !== undefined && !coherence.connected && !this.#degraded()) return undefined;
    const slot = this.#peek(key);
    if (slot === undefined) return undefined;
    if (coherence === undefined || slot.generation === coherence.generation) return slot;
    // Degraded (store skipped, bus lost with it): what L1 held before the loss still serves.
    return !coherence.connected && slot.generation === coherence.generationBeforeLoss ? slot : undefined;
  }

  /**
   * The key's slot as a fallback when the store is out: one of the current
   * generation, or of the generation the bus connection was lost in.
   */
  fallback(key: string): L1Slot | undefined {
    const slot = this.#peek(key);
    if (slot === undefined) return undefined;
    const coherence = this.#coherence;
    if (coherence === undefined || slot.generation === coherence.generation) return slot;
    return slot.generation === coherence.generationBeforeLoss ? slot : undefined;
  }

  /** The coherence state before an L2 read: a fill is skipped if anything arrived meanwhile. */
  mark(): number {
    return this.#coherence === undefined ? 0 : this.#coherence.epoch;
  }

  /** Keeps an entry read from L2 (never past the store's own expiry), unless a bus event came in since `mark`. */
  fill(key: string, entry: DecodedEntry, mark: number): void {
    if (this.mark() !== mark) return;
    const remaining = entry.expiresAt === undefined ? NO_EXPIRY : Math.floor(entry.expiresAt - Date.now());
    if (entry.expiresAt !== undefined && remaining <= 0) return;
    this.put(key, referenceOf(entry.value, remainingLifetime(entry, remaining)), remaining);
  }

  /** Puts `value` into L1 for at most `l1Ttl` (and never past `storeTtl`); `outage`: also with the bus down. */
  put(key: string, value: unknown, storeTtl: number, outage = false): void {
    const coherence = this.#coherence;
    if (coherence !== undefined && !coherence.connected && !outage && !this.#degraded()) return;
    const ttl = storeTtl === NO_EXPIRY ? this.#ttlMs : Math.min(storeTtl, this.#ttlMs);
    try {
      this.#l1.putValue(key, new L1Slot(value, coherence?.generation ?? 0), ttl);
    } catch {
      // A value the L1 refuses (too large for it) is simply not kept.
      this.drop(key);
    }
  }

  drop(key: string): void {
    try {
      void this.#l1.delete(key).catch(() => undefined);
    } catch {
      // A closed L1 has nothing left to drop.
    }
  }

  #peek(key: string): L1Slot | undefined {
    let slot: unknown;
    try {
      slot = this.#l1.peekValue(key);
    } catch {
      return undefined;
    }
    return slot instanceof L1Slot ? slot : undefined;
  }
}
