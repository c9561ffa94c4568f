import { expect } from 'vitest';
import type { CacheCheck } from '../check.js';

/** AbortSignal handling. */
export const cancellationChecks: readonly CacheCheck[] = [
  {
    name: 'an already-aborted signal rejects with its reason, runs nothing, and the cache keeps working',
    async run(h) {
      const { cache } = await h.open();
      const controller = new AbortController();
      const reason = new Error('caller gave up');
      controller.abort(reason);
      const { signal } = controller;
      let factoryCalls = 0;
      await expect(cache.get('k', { signal })).rejects.toBe(reason);
      await expect(cache.set('k', 'v', '1m', { signal })).rejects.toBe(reason);
      await expect(
        cache.remember('r', '1m', () => ++factoryCalls, { signal }),
        'remember with an aborted signal',
      ).rejects.toBe(reason);
      await expect(cache.lock('l', '1m', { signal }), 'lock with an aborted signal').rejects.toBe(reason);
      expect(factoryCalls, 'factory calls under an aborted signal').toBe(0);
      expect(await cache.get('k'), 'nothing written by an aborted set').toBeUndefined();
      await cache.set('k', 'works', '1m');
      expect(await cache.get('k')).toBe('works');
    },
  },
  {
    name: 'aborting a pending call rejects it with the reason',
    async run(h) {
      const { cache } = await h.open();
      await cache.tryLock('held', 60_000);
      const controller = new AbortController();
      const reason = new Error('shutdown');
      const waiting = cache.lock('held', 60_000, { signal: controller.signal, timeout: 10_000 });
      const pendingRead = cache.get('k', { signal: controller.signal });
      controller.abort(reason);
      await expect(waiting, 'lock() waiting for a held lock').rejects.toBe(reason);
      await expect(pendingRead, 'get in flight').rejects.toBe(reason);
      await cache.set('after', 1, '1m');
      expect(await cache.get('after')).toBe(1);
    },
  },
];
