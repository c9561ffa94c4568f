import type { DecodedEntry } from '../entry/entry-codec.js';

/**
 * Whether a fresh entry is due for an eager refresh at `now`: at least
 * `eagerRefresh` (a fraction in (0, 1)) of its fresh time has elapsed. The fresh
 * time is taken from the entry (written-at to fresh-until) when it records when it
 * was written, otherwise from the caller's `ttlMs` (entries written by older
 * versions, or by `refreshAhead`).
 */
export function isDueForRefresh(
  entry: DecodedEntry,
  now: number,
  eagerRefresh: number,
  ttlMs: number,
): boolean {
  const freshUntil = entry.softExpiresAt;
  if (eagerRefresh <= 0 || freshUntil === undefined) return false;
  const span = entry.writtenAt !== undefined ? freshUntil - entry.writtenAt : ttlMs;
  return now >= freshUntil - span * (1 - eagerRefresh);
}
