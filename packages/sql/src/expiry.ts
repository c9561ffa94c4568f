import { InvalidTtlError, MAX_TTL_MS } from '@cache/core';

/**
 * Expiry is an absolute `expires_at` in integer ms since the epoch, taken from
 * this process's clock; `0` means never. Hosts sharing one table should keep
 * their clocks in sync (NTP): skew between writer and reader shifts expiry by
 * that much.
 *
 * @packageDocumentation
 */

/**
 * Checks a store-level TTL: `0` (never) or a positive number of ms up to
 * `MAX_TTL_MS`. Operations call it before any statement is sent, and compute the
 * expiry itself ({@link expiresAtFor}) only once they are about to send: a first
 * call that waits for table creation must not lose that wait from its TTL.
 *
 * @throws {@link InvalidTtlError} for a negative, non-finite or too long TTL.
 */
export function assertStoreTtl(ttl: number): void {
  if (ttl === 0 || (ttl > 0 && ttl <= MAX_TTL_MS)) return;
  throw new InvalidTtlError(`store TTL must be 0 or a positive number of ms up to ${MAX_TTL_MS}, got ${ttl}`);
}

/**
 * `expires_at` for a store-level TTL written at `now`. Fractional TTLs round
 * up: a TTL is never shortened.
 *
 * @throws {@link InvalidTtlError} for a negative, non-finite or too long TTL.
 */
export function expiresAtFor(ttl: number, now: number): number {
  assertStoreTtl(ttl);
  return ttl === 0 ? 0 : now + Math.ceil(ttl);
}

/** Whether a row with `expiresAt` is live at `now` (the SQL twin: `expires_at = 0 OR expires_at > now`). */
export function isLive(expiresAt: number, now: number): boolean {
  return expiresAt === 0 || expiresAt > now;
}
