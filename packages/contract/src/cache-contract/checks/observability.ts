import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { CHANNELS, type StoreCallContext } from '@cache/core';
import { expect, vi } from 'vitest';
import { POLL_INTERVAL_MS, shortTtl } from '../../support/ttl.js';
import type { CacheCheck } from '../check.js';

/** Counters and tracing, on every driver (and through the hybrid tier in hybrid runs). */
export const observabilityChecks: readonly CacheCheck[] = [
  {
    name: 'stats: 1 miss then 2 hits of remember count exactly, by the tier that answered',
    async run(h) {
      const { cache } = await h.open();
      for (let i = 0; i < 3; i++) expect(await cache.remember('k', '1h', () => 'v')).toBe('v');
      const stats = cache.stats();
      expect(stats).toMatchObject({ hits: 2, misses: 1, staleHits: 0, factoryCalls: 1, writes: 1 });
      // With an L1 the node's own write fills it; without one the store answers.
      expect(h.tier === undefined ? stats.l2Hits : stats.l1Hits, 'hits by tier').toBe(2);
      expect(stats.l1Hits + stats.l2Hits).toBe(stats.hits);
    },
  },
  {
    name: 'stats: fail-safe counts one stale hit, one factory error and one activation',
    async run(h) {
      const { cache, capabilities } = await h.open();
      const ttl = shortTtl(capabilities);
      await cache.rememberStale('k', ttl, '1h', () => 'old');
      await vi.waitFor(async () => expect(await cache.get('k')).toBeUndefined(), {
        interval: POLL_INTERVAL_MS,
        timeout: ttl + 5_000,
      });
      cache.resetStats();
      const result = await cache.rememberStale('k', ttl, '1h', () => {
        throw new Error('source down');
      });
      expect(result).toEqual({ value: 'old', stale: true });
      expect(cache.stats()).toMatchObject({
        hits: 0,
        misses: 0,
        staleHits: 1,
        factoryCalls: 1,
        factoryErrors: 1,
        failSafeActivations: 1,
      });
    },
  },
  {
    name: 'tracing: every store call is published on cache:store with the driver name',
    async run(h) {
      const seen: StoreCallContext[] = [];
      const onEnd = (context: unknown) => seen.push(context as StoreCallContext);
      subscribe(`tracing:${CHANNELS.store}:asyncEnd`, onEnd);
      try {
        const { cache, store } = await h.open({ name: 'contract' });
        // Raw bytes always take the byte interface (in-process stores keep values by reference otherwise).
        await cache.setBytes('k', new Uint8Array([1, 2, 3]), '1h');
        await cache.getBytes('k');
        const ours = seen.filter((c) => c.cache === 'contract');
        expect(ours.map((c) => c.operation)).toEqual(expect.arrayContaining(['set', 'get']));
        expect(
          ours.every((c) => c.store === store.name),
          'driver name',
        ).toBe(true);
      } finally {
        unsubscribe(`tracing:${CHANNELS.store}:asyncEnd`, onEnd);
      }
    },
  },
];
