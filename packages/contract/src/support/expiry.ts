import type { Store, StoreCapabilities } from '@cache/core';
import { expect, vi } from 'vitest';
import { EARLY_EXPIRY_TOLERANCE_MS, expiryDeadline, POLL_INTERVAL_MS } from './ttl.js';

/**
 * Polls `store.get(key)` every {@link POLL_INTERVAL_MS} until it misses, and
 * asserts that this happened neither before `ttl` (the contract never shortens
 * a TTL) nor after {@link expiryDeadline}.
 *
 * @param writtenAt - `Date.now()` taken just before the write that set the TTL
 * @returns ms from `writtenAt` to the first read that missed
 */
export async function waitForExpiry(
  store: Store,
  key: string,
  ttl: number,
  capabilities: StoreCapabilities,
  writtenAt: number,
): Promise<number> {
  const deadline = expiryDeadline(capabilities, ttl);
  const remaining = Math.max(deadline - (Date.now() - writtenAt), POLL_INTERVAL_MS);
  const elapsed = await vi.waitFor(
    async () => {
      const value = await store.get(key);
      // Taken after the read completed: the entry was gone by then at the latest.
      const now = Date.now() - writtenAt;
      if (value !== undefined) {
        throw new Error(`"${key}" is still present ${now} ms after it was written with ttl ${ttl} ms`);
      }
      return now;
    },
    { interval: POLL_INTERVAL_MS, timeout: remaining },
  );
  expect(
    elapsed,
    `"${key}" (ttl ${ttl} ms) was gone after only ${elapsed} ms: a TTL must never be shortened`,
  ).toBeGreaterThanOrEqual(ttl - EARLY_EXPIRY_TOLERANCE_MS);
  return elapsed;
}
