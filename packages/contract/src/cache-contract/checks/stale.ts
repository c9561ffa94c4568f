import { expect, vi } from 'vitest';
import { EARLY_EXPIRY_TOLERANCE_MS, expiryDeadline, POLL_INTERVAL_MS, shortTtl } from '../../support/ttl.js';
import type { CacheCheck } from '../check.js';

/** Fail-safe reads. */
export const staleChecks: readonly CacheCheck[] = [
  {
    name: 'rememberStale serves the last good value with stale: true after ttl when the factory fails',
    async run(h) {
      const { cache, capabilities } = await h.open();
      const ttl = shortTtl(capabilities);
      const failure = new Error('backend down');
      let failingCalls = 0;
      const failing = (): never => {
        failingCalls++;
        throw failure;
      };
      const writtenAt = Date.now();
      expect(await cache.rememberStale('k', ttl, '1m', () => 'good')).toEqual({
        value: 'good',
        stale: false,
      });
      // Fresh: the factory is not consulted at all.
      expect(await cache.rememberStale('k', ttl, '1m', failing)).toEqual({ value: 'good', stale: false });
      expect(failingCalls, 'factory calls while the value is fresh').toBe(0);
      const stale = await vi.waitFor(
        async () => {
          const result = await cache.rememberStale('k', ttl, '1m', failing);
          expect(result.stale, 'stale flag').toBe(true);
          return { result, elapsed: Date.now() - writtenAt };
        },
        { interval: POLL_INTERVAL_MS, timeout: expiryDeadline(capabilities, ttl) },
      );
      expect(stale.result).toEqual({ value: 'good', stale: true });
      expect(stale.elapsed, 'served stale before its ttl').toBeGreaterThanOrEqual(
        ttl - EARLY_EXPIRY_TOLERANCE_MS,
      );
      // A plain get treats the soft-expired entry as a miss.
      expect(await cache.get('k'), 'get of a soft-expired entry').toBeUndefined();
      // A working factory replaces it with a fresh value.
      expect(await cache.rememberStale('k', ttl, '1m', () => 'new')).toEqual({ value: 'new', stale: false });
    },
  },
  {
    name: 'rememberStale rethrows the factory error when there is nothing stale',
    async run(h) {
      const { cache, store, capabilities } = await h.open();
      const failure = new Error('backend down');
      await expect(cache.rememberStale('never', '1m', '1m', () => Promise.reject(failure))).rejects.toBe(
        failure,
      );
      // After the stale window too, the entry is gone and the error surfaces.
      const ttl = shortTtl(capabilities);
      await cache.rememberStale('k', ttl, ttl, () => 'good');
      await vi.waitFor(
        async () => {
          expect(await store.get('k'), 'entry physically present').toBeUndefined();
        },
        { interval: POLL_INTERVAL_MS, timeout: expiryDeadline(capabilities, 2 * ttl) },
      );
      await expect(cache.rememberStale('k', ttl, ttl, () => Promise.reject(failure))).rejects.toBe(failure);
    },
  },
];
