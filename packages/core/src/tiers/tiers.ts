import type { DecodedEntry } from '../entry/entry-codec.js';
import type { EntryLifetime } from '../entry/lifetime.js';
import { isStampedValue, StampedValue } from '../entry/stamped.js';
import type { CacheHealth } from '../facade/options.js';
import { internalKey } from '../keyspace/internal-keys.js';
import type { Store, StoreOperationOptions } from '../store.js';
import type { TagVersions } from '../tags/tag-versions.js';

/** One write of {@link Tiers.writeMany}. */
export interface TierWrite {
  readonly key: string;
  readonly value: unknown;
  readonly lifetime: EntryLifetime;
}

/**
 * Where entries live, seen from the facade and the read-through engine: reads and
 * writes of whole entries (value + lifetime). Callers see entries, never the
 * layout: one store ({@link StoreTier}), or an L1 in front of it kept coherent
 * across nodes by a bus ({@link HybridTier}).
 */
export interface Tiers {
  /** The shared store (L2). */
  readonly store: Store;
  /** The tag and namespace versions entries are checked against. */
  readonly versions: TagVersions;
  /** The tier a synchronous `peek` hit comes from: `'l1'` for the hybrid tier, `'l2'` (the store) otherwise. */
  readonly peekTier: 'l1' | 'l2';
  /** The entry at `key` (fresh or not), or `undefined`. */
  read(key: string, signal: AbortSignal | undefined): Promise<DecodedEntry | undefined>;
  /** The value at `key` when fresh, else `undefined` (`get`'s and `pull`'s read: counted as a hit or a miss). */
  readFresh(key: string, signal: AbortSignal | undefined): Promise<unknown>;
  /** Entries for `keys`, in order. */
  readMany(keys: readonly string[], signal: AbortSignal | undefined): Promise<(DecodedEntry | undefined)[]>;
  /**
   * Writes `value` at `key` with `lifetime`. With `keepOnOutage`, a value the store
   * could not take (an outage) is still kept by an L1, if there is one (fail-open
   * read-through: degrade to memory); the error is thrown either way.
   */
  write(
    key: string,
    value: unknown,
    lifetime: EntryLifetime,
    signal: AbortSignal | undefined,
    keepOnOutage?: boolean,
  ): Promise<void>;
  /** Writes several entries in one batch. */
  writeMany(writes: readonly TierWrite[], signal: AbortSignal | undefined): Promise<void>;
  /**
   * Set-if-absent; resolves whether it wrote. An entry that reads as a miss (stale,
   * or invalidated by its tags or namespace) counts as absent and is replaced.
   */
  add(
    key: string,
    value: unknown,
    lifetime: EntryLifetime,
    signal: AbortSignal | undefined,
  ): Promise<boolean>;
  /** Atomic counter update in the store. */
  increment(key: string, delta: number, ttl: number, signal: AbortSignal | undefined): Promise<number>;
  /** Raw bytes at `key` when fresh (shaping undone, no codec; counted as a hit or a miss). */
  readRaw(key: string, signal: AbortSignal | undefined): Promise<Uint8Array | undefined>;
  /** Writes raw bytes (shaping applies, no codec). */
  writeRaw(
    key: string,
    value: Uint8Array,
    lifetime: EntryLifetime,
    signal: AbortSignal | undefined,
  ): Promise<void>;
  /** Deletes `key`. */
  delete(key: string, signal: AbortSignal | undefined): Promise<void>;
  /** Deletes `keys`. */
  deleteMany(keys: readonly string[], signal: AbortSignal | undefined): Promise<void>;
  /** Removes every entry of the store's prefix (internal keys included). */
  flush(signal: AbortSignal | undefined): Promise<void>;
  /**
   * Adds `step` to the versions `names` (`deleteByTag`, `expireByTag`, a namespace
   * flush): one `increment` each, then — with a bus — one message telling the other
   * nodes to drop their cached copies.
   */
  bumpVersions(names: readonly string[], step: number, signal: AbortSignal | undefined): Promise<void>;
  /**
   * A hit answered synchronously, for the facade's fast path: the value,
   * `undefined` for a definite miss, or `SLOW` when only the asynchronous path can
   * answer. Never throws.
   */
  peek(key: string, eagerRefresh: number, ttlMs: () => number): unknown;
  /**
   * Resolves when `key` may have changed on another node (a bus message for it),
   * or after `timeoutMs` at the latest; without a bus, after `timeoutMs`.
   */
  watch(key: string, timeoutMs: number): Promise<void>;
  /** Reachability of the store (a probe read bounded by `timeoutMs`), the circuit and the bus. */
  health(timeoutMs: number): Promise<CacheHealth>;
  /** Closes what the cache owns (the store; with an L1, the L1 and the bus subscription). */
  close(): Promise<void>;
}

/** Resolves after `ms` (an unref'd timer: a wait never keeps the process alive). */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, ms).unref?.();
  });
}

/** Whether `store` answers a read of an internal key within `timeoutMs`. */
export async function probeStore(store: Store, timeoutMs: number): Promise<boolean> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve(false);
    }, timeoutMs);
  });
  const probe = store.get(internalKey('health', 'probe'), { signal: controller.signal }).then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([probe, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Shared resolved promises (no allocation on the hot paths). */
export const RESOLVED_UNDEFINED: Promise<undefined> = Promise.resolve(undefined);
/** Shared resolved promise. */
export const RESOLVED_VOID: Promise<void> = Promise.resolve();

/** The store options of a call with `signal`. */
export function storeOptions(signal: AbortSignal | undefined): StoreOperationOptions | undefined {
  return signal === undefined ? undefined : { signal };
}

/** The entry a by-reference value stands for (`tier`: `'l1'` when an L1 holds it). */
export function entryOfReference(value: unknown, tier?: 'l1'): DecodedEntry {
  return isStampedValue(value)
    ? {
        value: value.value,
        // Tagged entries without a soft expiry are stamped "fresh forever".
        softExpiresAt: Number.isFinite(value.softExpiresAt) ? value.softExpiresAt : undefined,
        graceUntil: value.graceUntil,
        writtenAt: value.writtenAt,
        versions: value.versions,
        tier,
      }
    : { value, softExpiresAt: undefined, tier };
}

/** The entry's value when fresh now, else `undefined`. */
export function freshValue(entry: DecodedEntry): unknown {
  const freshUntil = entry.softExpiresAt;
  return freshUntil === undefined || freshUntil > Date.now() ? entry.value : undefined;
}

/** What a by-reference store keeps for `value` written with `lifetime`: the value, or an envelope. */
export function referenceOf(value: unknown, lifetime: EntryLifetime): unknown {
  if (lifetime.freshUntil === undefined && lifetime.versions === undefined) return value;
  return new StampedValue(
    value,
    lifetime.freshUntil ?? Number.POSITIVE_INFINITY,
    lifetime.graceUntil,
    lifetime.writtenAt,
    lifetime.versions,
  );
}

/** The lifetime a by-reference or decoded entry has left, for copying it into an L1 (`remaining` ms in the store). */
export function remainingLifetime(entry: DecodedEntry, remaining: number): EntryLifetime {
  return {
    storeTtl: remaining,
    freshUntil: entry.softExpiresAt,
    graceUntil: entry.graceUntil,
    writtenAt: entry.writtenAt,
    versions: entry.versions,
  };
}
