import type { StoreCapabilities } from '@cache/core';

/** Poll interval for expiry checks, in ms. */
export const POLL_INTERVAL_MS = 25;

/**
 * How much earlier than its TTL an entry may disappear before the suite calls it
 * an early expiry: timer and clock granularity only. The Store contract says a
 * TTL is never shortened (drivers round up), so this is deliberately small.
 */
export const EARLY_EXPIRY_TOLERANCE_MS = 5;

/**
 * The short TTL the suites use: long enough to read the entry back right after
 * writing it, and at least two resolution steps so that a one-second backend
 * rounds it to something meaningful.
 */
export function shortTtl(capabilities: StoreCapabilities): number {
  return Math.max(150, 2 * capabilities.ttlResolutionMs);
}

/**
 * Longest wait, in ms from the write, for an entry with `ttl` to read as gone:
 * the TTL, two resolution steps (rounding up plus a backend's coarse clock) and a
 * second of slack for slow servers.
 */
export function expiryDeadline(capabilities: StoreCapabilities, ttl: number): number {
  return ttl + 2 * capabilities.ttlResolutionMs + 1_000;
}
