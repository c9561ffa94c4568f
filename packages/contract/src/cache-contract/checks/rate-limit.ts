import type { RateLimitResult } from '@cache/core';
import { expect, vi } from 'vitest';
import type { CacheCheck } from '../check.js';

/** Fixed-window rate limiting. */
export const rateLimitChecks: readonly CacheCheck[] = [
  {
    name: 'rateLimit counts calls within a window and starts over in the next one',
    async run(h) {
      const { cache, capabilities } = await h.open();
      const windowMs = Math.max(400, 4 * capabilities.ttlResolutionMs);
      // Windows are aligned to the clock: retry on a fresh key if a burst straddles a boundary.
      let burst: RateLimitResult[] = [];
      let key = '';
      for (let attempt = 0; attempt < 5; attempt++) {
        key = `api-${attempt}`;
        burst = [];
        for (let i = 0; i < 4; i++) burst.push(await cache.rateLimit(key, 3, windowMs));
        if (new Set(burst.map((r) => r.resetAt)).size === 1) break;
      }
      expect(new Set(burst.map((r) => r.resetAt)).size, 'one window for the burst').toBe(1);
      expect(burst.map((r) => r.count)).toEqual([1, 2, 3, 4]);
      expect(burst.map((r) => r.allowed)).toEqual([true, true, true, false]);
      expect(burst.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
      const resetAt = burst[0]?.resetAt ?? 0;
      expect(resetAt - Date.now(), 'resetAt within one window').toBeLessThanOrEqual(windowMs);
      // Next window: counting starts again from one.
      await vi.waitFor(() => expect(Date.now()).toBeGreaterThanOrEqual(resetAt), {
        interval: 25,
        timeout: windowMs + 1_000,
      });
      const next = await cache.rateLimit(key, 3, windowMs);
      expect(next.allowed).toBe(true);
      expect(next.count).toBe(1);
      expect(next.resetAt).toBeGreaterThan(resetAt);
    },
  },
];
