import { expect } from 'vitest';
import { failingStore } from '../../faults/failing-store.js';
import { withLatency } from '../../faults/with-latency.js';
import { expectErrorCode } from '../../support/error-code.js';
import type { CacheCheck } from '../check.js';

/** Injected store failures and slowness, over the driver's real store. */
export const faultChecks: readonly CacheCheck[] = [
  {
    name: 'store failures surface as StoreError, fail-safe reads still answer, and the cache recovers',
    async run(h) {
      const store = await h.store();
      const broken = failingStore(store);
      const { cache } = await h.open({}, broken);
      await expectErrorCode(cache.get('k'), ['CACHE_STORE_ERROR'], 'get on a failing store');
      await expectErrorCode(cache.set('k', 1, '1m'), ['CACHE_STORE_ERROR'], 'set on a failing store');
      let factoryCalls = 0;
      // Fail-open: remember answers from the factory while the store is down.
      expect(await cache.remember('k', '1m', () => ++factoryCalls), 'remember on a failing store').toBe(1);
      // failOpen: false restores the strict behaviour: the store error fails the call, no factory call.
      // (Another key: with an L1, what the fail-open call computed stays in this node's L1.)
      await expectErrorCode(
        cache.remember('strict', '1m', () => ++factoryCalls, { failOpen: false }),
        ['CACHE_STORE_ERROR'],
        'strict remember on a failing store',
      );
      expect(factoryCalls, 'factory calls when the strict read failed').toBe(1);
      // With an L1, five outages in a row open the circuit breaker: the store is skipped.
      await expectErrorCode(
        cache.rememberMany(['a', 'b'], '1m', () => [1, 2], { failOpen: false }),
        h.tier === undefined ? ['CACHE_STORE_ERROR'] : ['CACHE_STORE_ERROR', 'CACHE_CIRCUIT_OPEN'],
        'strict rememberMany on a failing store',
      );
      expect(await cache.rememberMany(['a', 'b'], '1m', () => [1, 2]), 'rememberMany fails open').toEqual([
        1, 2,
      ]);
      // rememberStale is the fail-safe read: a store outage does not fail a working factory.
      expect(await cache.rememberStale('stale-k', '1m', '1m', () => 'computed')).toEqual({
        value: 'computed',
        stale: false,
      });
      broken.failing = false;
      await cache.set('k', 'back', '1m');
      expect(await cache.get('k'), 'after the store recovered').toBe('back');
      expect(await cache.remember('r', '1m', () => ++factoryCalls), 'remember after recovery').toBe(2);
      expect(await cache.remember('r', '1m', () => ++factoryCalls), 'and it was cached').toBe(2);
    },
  },
  {
    name: 'a call slower than its timeout rejects with CacheTimeoutError and later calls work',
    async run(h) {
      const store = await h.store();
      const slowMs = 400;
      const slow = withLatency(store, { ms: (op) => (op === 'get' ? slowMs : 0) });
      const { cache } = await h.open({}, slow);
      // Written by another cache, so that an L1 (hybrid runs) cannot answer the read.
      const { cache: writer } = await h.open({}, store);
      await writer.set('k', 'v', '1m');
      const startedAt = Date.now();
      await expectErrorCode(cache.get('k', { timeout: 30 }), ['CACHE_TIMEOUT'], 'get with a 30 ms timeout');
      expect(Date.now() - startedAt, 'rejected at its deadline, not when the store answered').toBeLessThan(
        slowMs,
      );
      expect(await cache.get('k'), 'the same read without a deadline').toBe('v');
    },
  },
];
