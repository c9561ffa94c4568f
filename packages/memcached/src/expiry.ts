import { NO_EXPIRY } from '@cache/core';

/**
 * Memcached's expiry field: whole seconds, relative up to 30 days, an absolute
 * unix time beyond (memcached's `REALTIME_MAXDELTA`).
 */
export const MAX_RELATIVE_EXPTIME_SECONDS = 60 * 60 * 24 * 30;

/** Largest value of the protocol's 32-bit unsigned expiry field. */
const MAX_EXPTIME_FIELD = 0xffff_ffff;

/**
 * Extra second added to every server-side expiry. Memcached stamps items with a
 * clock that only ticks once a second, so an item written at 10.9 s with a
 * one-second expiry can vanish at 11.0 s: 100 ms, not 1 s. One spare second
 * keeps the item physically present for at least its TTL; the exact expiry in
 * the value envelope then hides it from readers at the right millisecond.
 */
export const SERVER_EXPIRY_MARGIN_SECONDS = 1;

/**
 * The absolute expiry, ms since the epoch, that goes into the value envelope, or
 * `undefined` for {@link NO_EXPIRY}.
 */
export function expiresAtFor(ttlMs: number, nowMs: number): number | undefined {
  return ttlMs === NO_EXPIRY ? undefined : nowMs + ttlMs;
}

/**
 * The expiry field for memcached: `0` (never) for {@link NO_EXPIRY}, otherwise
 * the TTL rounded **up** to whole seconds plus {@link SERVER_EXPIRY_MARGIN_SECONDS},
 * relative when that is at most 30 days and an absolute unix time beyond.
 * An absolute time past the field's range (year 2106) becomes `0`: the item then
 * only leaves memcached through LRU eviction, while reads still honour the exact
 * expiry kept in the envelope.
 */
export function memcachedExptime(ttlMs: number, nowMs: number): number {
  if (ttlMs === NO_EXPIRY) return 0;
  const relative = Math.ceil(ttlMs / 1000) + SERVER_EXPIRY_MARGIN_SECONDS;
  if (relative <= MAX_RELATIVE_EXPTIME_SECONDS) return relative;
  const absolute = Math.ceil((nowMs + ttlMs) / 1000) + SERVER_EXPIRY_MARGIN_SECONDS;
  return absolute > MAX_EXPTIME_FIELD ? 0 : absolute;
}
