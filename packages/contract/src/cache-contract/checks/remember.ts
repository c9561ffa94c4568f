import { expect, vi } from 'vitest';
import { deferred } from '../../support/deferred.js';
import type { CacheCheck } from '../check.js';

/** Read-through with singleflight. */
export const rememberChecks: readonly CacheCheck[] = [
  {
    name: 'remember runs the factory once for 50 concurrent callers and caches the value',
    async run(h) {
      const { cache } = await h.open();
      const gate = deferred();
      let calls = 0;
      const factory = async (): Promise<{ computed: number }> => {
        calls++;
        await gate.promise;
        return { computed: calls };
      };
      const waiters = Array.from({ length: 50 }, () => cache.remember('k', '1m', factory));
      // Hold the factory open until every caller is queued behind it.
      await vi.waitFor(() => expect(calls).toBe(1), { interval: 5, timeout: 5_000 });
      gate.resolve();
      const results = await Promise.all(waiters);
      expect(calls, 'factory calls for 50 concurrent callers').toBe(1);
      for (const result of results) expect(result).toEqual({ computed: 1 });
      const later = await cache.remember('k', '1m', () => ({ computed: -1 }));
      expect(later, 'a later remember reads the cached value').toEqual({ computed: 1 });
      expect(await cache.get('k')).toEqual({ computed: 1 });
      expect(calls).toBe(1);
    },
  },
  {
    name: 'a factory error reaches every waiter and is not cached',
    async run(h) {
      const { cache } = await h.open();
      const gate = deferred();
      const failure = new Error('factory failed');
      let calls = 0;
      const failing = async (): Promise<string> => {
        calls++;
        await gate.promise;
        throw failure;
      };
      const waiters = Array.from({ length: 10 }, () =>
        cache.remember('k', '1m', failing).then(
          () => undefined,
          (error: unknown) => error,
        ),
      );
      await vi.waitFor(() => expect(calls).toBe(1), { interval: 5, timeout: 5_000 });
      gate.resolve();
      const errors = await Promise.all(waiters);
      expect(calls).toBe(1);
      for (const error of errors) expect(error, 'every waiter sees the factory error').toBe(failure);
      expect(await cache.get('k'), 'nothing cached after a failed factory').toBeUndefined();
      expect(await cache.remember('k', '1m', () => 'recovered')).toBe('recovered');
      expect(calls, 'the failing factory was not called again').toBe(1);
      expect(await cache.get('k')).toBe('recovered');
    },
  },
];
