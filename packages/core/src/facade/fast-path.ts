import type { EntryCodec } from '../entry/entry-codec.js';
import { isStampedValue } from '../entry/stamped.js';
import { BYTES_ENTRY, MISS, type ReferenceStore, type SyncReadStore } from '../store.js';
import type { TagVersions } from '../tags/tag-versions.js';
import { type CheckedEntry, checkDecoded } from '../tags/version-check.js';

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
  return freshHit(value.value, value.softExpiresAt, value.writtenAt, eagerRefresh, ttlMs, now);
}

/**
 * A plain or framed hit answered synchronously from a store's {@link SyncReadStore.getSync}:
 * the value, `undefined` for a definite miss, or {@link SLOW} (a stale, deleted or
 * refresh-due entry, versions or a body that need an `await`, a store that throws).
 */
export function peekBytes(
  store: SyncReadStore,
  entries: EntryCodec,
  key: string,
  eagerRefresh: number,
  ttlMs: () => number,
  versions: TagVersions,
): unknown {
  let checked: CheckedEntry | Promise<CheckedEntry>;
  try {
    const bytes = store.getSync(key);
    if (bytes === undefined) return undefined;
    checked = checkDecoded(entries.decode(key, bytes, false), versions);
  } catch {
    // The slow path reads again and reports the error as the call's own.
    return SLOW;
  }
  if (checked instanceof Promise) {
    // A large body to inflate or versions to fetch: the slow path does it; this result is dropped.
    checked.catch(ignore);
    return SLOW;
  }
  if (checked === undefined) return SLOW;
  const softExpiresAt = checked.softExpiresAt;
  if (softExpiresAt === undefined) return checked.value;
  return freshHit(checked.value, softExpiresAt, checked.writtenAt, eagerRefresh, ttlMs, Date.now());
}

/** `value` when `softExpiresAt` is still ahead of `now` and no eager refresh is due, else {@link SLOW}. */
function freshHit(
  value: unknown,
  softExpiresAt: number,
  writtenAt: number | undefined,
  eagerRefresh: number,
  ttlMs: () => number,
  now: number,
): unknown {
  if (softExpiresAt <= now) return SLOW;
  if (eagerRefresh > 0) {
    const span = writtenAt !== undefined ? softExpiresAt - writtenAt : ttlMs();
    if (now >= softExpiresAt - span * (1 - eagerRefresh)) return SLOW;
  }
  return value;
}

function ignore(): void {}
