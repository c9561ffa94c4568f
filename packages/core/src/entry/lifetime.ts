import { NO_EXPIRY } from '../store.js';
import type { VersionStamp } from '../tags/tag-versions.js';

/**
 * How long an entry lives, decided in one place for every write path.
 *
 * - *fresh* until `freshUntil` (served as a hit);
 * - then *graced* until `graceUntil` (served only as a fail-safe fallback);
 * - physically removed by the store after `storeTtl` ms (`ttl + jitter + grace`).
 *
 * `freshUntil` is `undefined` for plain entries: fresh for as long as the store
 * keeps them, which is what `set` writes and what needs no envelope.
 */
export interface EntryLifetime {
  /** TTL handed to the store, ms (or {@link NO_EXPIRY}). */
  readonly storeTtl: number;
  /** ms since epoch after which the entry is stale; `undefined`: never stale. */
  readonly freshUntil: number | undefined;
  /** ms since epoch until which a stale entry may be served; `undefined` without grace. */
  readonly graceUntil: number | undefined;
  /** ms since epoch of the write, kept when eager refresh needs it. */
  readonly writtenAt: number | undefined;
  /** The tag and namespace versions the entry is written under (tagged or namespaced entries). */
  readonly versions?: readonly VersionStamp[] | undefined;
}

/** `lifetime` recording `versions` (itself when there are none). */
export function withVersions(
  lifetime: EntryLifetime,
  versions: readonly VersionStamp[] | undefined,
): EntryLifetime {
  return versions === undefined || versions.length === 0 ? lifetime : { ...lifetime, versions };
}

/** What shapes a lifetime. */
export interface LifetimePolicy {
  /** Grace period in ms (0: none). */
  readonly graceMs: number;
  /** Random extra fresh time in [0, jitterMs) (0: none). */
  readonly jitterMs: number;
  /** Whether the write must record fresh-until and written-at (eager refresh, refresh-ahead). */
  readonly stamp: boolean;
}

/** A plain lifetime for `ttl` ms: no envelope. */
export function plainLifetime(ttl: number): EntryLifetime {
  return { storeTtl: ttl, freshUntil: undefined, graceUntil: undefined, writtenAt: undefined };
}

/** The lifetime of an entry written now for `ttl` ms under `policy`. */
export function lifetimeOf(ttl: number, policy: LifetimePolicy, now = Date.now()): EntryLifetime {
  if (ttl === NO_EXPIRY) return plainLifetime(NO_EXPIRY);
  const fresh = policy.jitterMs > 0 ? ttl + Math.floor(Math.random() * policy.jitterMs) : ttl;
  if (policy.graceMs <= 0 && !policy.stamp) return plainLifetime(fresh);
  const freshUntil = now + fresh;
  return {
    storeTtl: fresh + policy.graceMs,
    freshUntil,
    graceUntil: policy.graceMs > 0 ? freshUntil + policy.graceMs : undefined,
    writtenAt: policy.stamp ? now : undefined,
  };
}

/** Whether an entry fresh until `freshUntil` is fresh at `now`. */
export function isFreshAt(freshUntil: number | undefined, now: number): boolean {
  return freshUntil === undefined || freshUntil > now;
}
