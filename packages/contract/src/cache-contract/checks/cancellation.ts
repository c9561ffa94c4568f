import { expect } from 'vitest';
import type { CacheCheck } from '../check.js';

/** AbortSignal handling. */
export const cancellationChecks: readonly CacheCheck[] = [
  {
    name: 'an already-aborted signal rejects with CacheAbortError (reason kept, maybeApplied false), runs nothing',
    async run(h) {
      const { cache } = await h.open();
      const controller = new AbortController();
      const reason = new Error('caller gave up');
      controller.abort(reason);
      const { signal } = controller;
      let factoryCalls = 0;
      const notSent = { code: 'CACHE_ABORTED', name: 'AbortError', reason, maybeApplied: false };
      await expect(cache.get('k', { signal })).rejects.toMatchObject(notSent);
      await expect(cache.set('k', 'v', '1m', { signal })).rejects.toMatchObject(notSent);
      await expect(cache.increment('n', 1, '1m', { signal })).rejects.toMatchObject(notSent);
      await expect(
        cache.remember('r', '1m', () => ++factoryCalls, { signal }),
        'remember with an aborted signal',
      ).rejects.toMatchObject(notSent);
      await expect(cache.lock('l', '1m', { signal }), 'lock with an aborted signal').rejects.toMatchObject(
        notSent,
      );
      expect(await cache.get('n'), 'nothing counted by an aborted increment').toBeUndefined();
      expect(factoryCalls, 'factory calls under an aborted signal').toBe(0);
      expect(await cache.get('k'), 'nothing written by an aborted set').toBeUndefined();
      await cache.set('k', 'works', '1m');
      expect(await cache.get('k')).toBe('works');
    },
  },
  {
    name: 'aborting a pending call rejects it with CacheAbortError carrying the reason',
    async run(h) {
      const { cache } = await h.open();
      await cache.tryLock('held', 60_000);
      const controller = new AbortController();
      const reason = new Error('shutdown');
      const waiting = cache.lock('held', 60_000, { signal: controller.signal, timeout: 10_000 });
      const pendingRead = cache.get('k', { signal: controller.signal });
      controller.abort(reason);
      await expect(waiting, 'lock() waiting for a held lock').rejects.toMatchObject({
        code: 'CACHE_ABORTED',
        reason,
      });
      await expect(pendingRead, 'get in flight').rejects.toMatchObject({
        code: 'CACHE_ABORTED',
        reason,
        maybeApplied: false,
      });
      await cache.set('after', 1, '1m');
      expect(await cache.get('after')).toBe(1);
    },
  },
];
