import { expect, vi } from 'vitest';
import { deferred } from '../../support/deferred.js';
import type { CacheCheck } from '../check.js';

/** TTL long enough never to run out during a test. */
const TTL = 60_000;

/** Background refresh before expiry. */
export const refreshAheadChecks: readonly CacheCheck[] = [
  {
    name: 'refreshAhead serves the cached value at once and refreshes it in the background inside the window',
    async run(h) {
      const { cache } = await h.open();
      expect(await cache.refreshAhead('k', TTL, TTL, () => 'v1'), 'a miss computes').toBe('v1');
      // window = ttl: the entry is inside its refresh window from the start.
      const gate = deferred();
      let refreshes = 0;
      const slowFactory = async (): Promise<string> => {
        refreshes++;
        await gate.promise;
        return 'v2';
      };
      expect(await cache.refreshAhead('k', TTL, TTL, slowFactory), 'served while refreshing').toBe('v1');
      await vi.waitFor(() => expect(refreshes).toBe(1), { interval: 5, timeout: 5_000 });
      // While the refresh runs, callers keep getting the old value and start no second refresh.
      expect(await cache.refreshAhead('k', TTL, TTL, slowFactory)).toBe('v1');
      gate.resolve();
      await vi.waitFor(async () => expect(await cache.get('k')).toBe('v2'), { interval: 25, timeout: 5_000 });
      expect(refreshes, 'background refreshes').toBe(1);
    },
  },
  {
    name: 'refreshAhead does not refresh outside the window',
    async run(h) {
      const { cache } = await h.open();
      let calls = 0;
      const factory = (): number => ++calls;
      expect(await cache.refreshAhead('k', TTL, 1, factory)).toBe(1);
      expect(await cache.refreshAhead('k', TTL, 1, factory)).toBe(1);
      // Give a (wrong) background refresh the same few round trips a real one gets.
      for (let i = 0; i < 5; i++) await cache.get('k');
      expect(calls, 'factory calls with the entry far from its window').toBe(1);
    },
  },
  {
    name: 'a failing background refresh keeps the old value',
    async run(h) {
      const { cache } = await h.open();
      await cache.refreshAhead('k', TTL, TTL, () => 'old');
      const done = deferred();
      const failing = async (): Promise<string> => {
        done.resolve();
        throw new Error('refresh failed');
      };
      expect(await cache.refreshAhead('k', TTL, TTL, failing)).toBe('old');
      await done.promise;
      expect(await cache.get('k'), 'value after the failed refresh').toBe('old');
      // The failed refresh released its guard: a later one goes through.
      await vi.waitFor(
        async () => {
          await cache.refreshAhead('k', TTL, TTL, () => 'new');
          expect(await cache.get('k')).toBe('new');
        },
        { interval: 25, timeout: 5_000 },
      );
    },
  },
];
