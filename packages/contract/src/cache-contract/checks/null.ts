import { expect } from 'vitest';
import type { CacheCheck } from '../check.js';

/**
 * What a store that keeps nothing (caching disabled) can promise: nothing is
 * ever read back, every helper still returns the factory's value, nothing throws.
 */
export const nullChecks: readonly CacheCheck[] = [
  {
    name: 'null: writes succeed and every read misses',
    async run(h) {
      const { cache } = await h.open();
      await cache.set('k', { a: 1 }, '1m');
      await cache.setMany([{ key: 'm', value: 2 }]);
      await cache.setString('s', 'text', '1m');
      await cache.setBytes('b', Uint8Array.from([1, 2]), '1m');
      expect(await cache.get('k')).toBeUndefined();
      expect(await cache.getMany(['k', 'm'])).toEqual([undefined, undefined]);
      expect(await cache.getString('s')).toBeUndefined();
      expect(await cache.getBytes('b')).toBeUndefined();
      expect(await cache.pull('k')).toBeUndefined();
      await cache.delete('k');
      await cache.deleteMany(['k', 'm']);
      await cache.flush();
    },
  },
  {
    name: 'null: remember, rememberStale and refreshAhead call the factory every time',
    async run(h) {
      const { cache } = await h.open();
      let calls = 0;
      const factory = (): number => ++calls;
      expect(await cache.remember('k', '1m', factory)).toBe(1);
      expect(await cache.remember('k', '1m', factory)).toBe(2);
      expect(await cache.rememberStale('k', '1m', '1m', factory)).toEqual({ value: 3, stale: false });
      expect(await cache.refreshAhead('k', '1m', '1s', factory)).toBe(4);
      expect(calls).toBe(4);
      // Nothing stale to fall back on: the factory error surfaces.
      const failure = new Error('down');
      await expect(cache.rememberStale('k', '1m', '1m', () => Promise.reject(failure))).rejects.toBe(failure);
    },
  },
  {
    name: 'null: add, counters, locks and rate limits behave as if nothing were stored',
    async run(h) {
      const { cache, store } = await h.open();
      expect(await cache.add('k', 1, '1m')).toBe(true);
      expect(await cache.add('k', 2, '1m'), 'add again: nothing was kept').toBe(true);
      expect(await cache.increment('n', 5)).toBe(5);
      expect(await cache.increment('n', 5), 'increment again starts from 0').toBe(5);
      const first = await cache.tryLock('job', '1m');
      const second = await cache.tryLock('job', '1m');
      expect(first, 'tryLock').toBeDefined();
      expect(second, 'tryLock again: nothing holds it').toBeDefined();
      expect(await first?.release(), 'release: nothing to delete').toBe(false);
      expect((await cache.rateLimit('api', 1, '1m')).allowed).toBe(true);
      expect((await cache.rateLimit('api', 1, '1m')).allowed, 'rate limit never trips').toBe(true);
      expect(await store.deleteIfEquals('k', Uint8Array.from([1]))).toBe(false);
    },
  },
  {
    name: 'null: an aborted signal still rejects with CacheAbortError carrying its reason',
    async run(h) {
      const { cache } = await h.open();
      const controller = new AbortController();
      const reason = new Error('stop');
      controller.abort(reason);
      await expect(cache.get('k', { signal: controller.signal })).rejects.toMatchObject({ reason });
      await expect(cache.remember('k', '1m', () => 1, { signal: controller.signal })).rejects.toMatchObject({
        reason,
      });
      expect(await cache.remember('k', '1m', () => 1)).toBe(1);
    },
  },
];
