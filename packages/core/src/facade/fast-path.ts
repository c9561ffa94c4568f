import { isStampedValue } from '../entry/stamped.js';
import { BYTES_ENTRY, MISS, type ReferenceStore } from '../store.js';
import type { TagVersions } from '../tags/tag-versions.js';

/** {@link peekHit}'s "not answerable synchronously". */
export const SLOW: unique symbol = Symbol('slow path');

/**
 * A hit answered synchronously from a by-reference store: the value, `undefined`
 * for a definite miss, or {@link SLOW} when the slow path must decide (a bytes
 * entry, a stale envelope, an eager refresh that is due, a store that throws).
 *
 * This is the whole cost of a memory hit: one map lookup, one brand check, and —
 * for envelopes only — one clock read (and, for tagged entries, one epoch
 * comparison while no version changed).
 *
 * @param eagerRefresh - the call's eager-refresh fraction (0: off)
 * @param ttlMs - the call's TTL, for envelopes that do not record when they were written
 * @param versions - what tagged entries are checked against
 */
export function peekHit(
  ref: ReferenceStore,
  key: string,
  eagerRefresh: number,
  ttlMs: () => number,
  versions: TagVersions,
): unknown {
  let value: unknown;
  try {
    value = ref.peekValue(key);
  } catch {
    return SLOW;
  }
  if (value === MISS) return undefined;
  if (value === BYTES_ENTRY) return SLOW;
  return hitOf(value, eagerRefresh, ttlMs, versions);
}

/**
 * The value a by-reference entry answers a hit with: a plain value as it is, an
 * envelope's value while it is fresh, its versions are known to be current and no
 * eager refresh is due, else {@link SLOW}.
 */
export function hitOf(
  value: unknown,
  eagerRefresh: number,
  ttlMs: () => number,
  versions: TagVersions,
): unknown {
  if (!isStampedValue(value)) return value;
  if (
    value.softExpiresAt === Number.POSITIVE_INFINITY &&
    value.checkedUntil === Number.POSITIVE_INFINITY &&
    value.checkedEpoch === versions.epoch
  ) {
    // A tagged entry without a soft expiry, checked since the last version change: no
    // clock read (it costs more than the rest of the hit).
    return value.value;
  }
  const now = Date.now();
  if (value.softExpiresAt <= now) return SLOW;
  if (value.versions !== undefined && !versions.currentNow(value, now)) return SLOW;
  if (eagerRefresh > 0) {
    const span = value.writtenAt !== undefined ? value.softExpiresAt - value.writtenAt : ttlMs();
    if (now >= value.softExpiresAt - span * (1 - eagerRefresh)) return SLOW;
  }
  return value.value;
}
