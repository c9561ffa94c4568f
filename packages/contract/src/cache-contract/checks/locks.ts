import { expect, vi } from 'vitest';
import { recordingStore } from '../../faults/recording-store.js';
import { expectErrorCode } from '../../support/error-code.js';
import { EARLY_EXPIRY_TOLERANCE_MS, expiryDeadline, POLL_INTERVAL_MS, shortTtl } from '../../support/ttl.js';
import type { CacheCheck } from '../check.js';
import type { CacheUnderTest } from '../harness.js';

const LONG = 60_000;

/** Polls `tryLock` until it succeeds; returns the lock and ms since `since`. */
async function acquireWhenFree(
  target: CacheUnderTest,
  key: string,
  ttl: number,
  since: number,
): Promise<{ lock: NonNullable<Awaited<ReturnType<CacheUnderTest['cache']['tryLock']>>>; elapsed: number }> {
  return vi.waitFor(
    async () => {
      const lock = await target.cache.tryLock(key, LONG);
      if (lock === undefined)
        throw new Error(`lock "${key}" still held ${Date.now() - since} ms after ttl ${ttl}`);
      return { lock, elapsed: Date.now() - since };
    },
    { interval: POLL_INTERVAL_MS, timeout: expiryDeadline(target.capabilities, ttl) },
  );
}

/** Owner-token locks. */
export const lockChecks: readonly CacheCheck[] = [
  {
    name: 'tryLock: exactly one of 20 concurrent callers wins',
    async run(h) {
      const { cache } = await h.open();
      const locks = await Promise.all(Array.from({ length: 20 }, () => cache.tryLock('job', LONG)));
      const held = locks.filter((lock) => lock !== undefined);
      expect(held, 'locks acquired').toHaveLength(1);
      expect(await cache.tryLock('job', LONG), 'tryLock while held').toBeUndefined();
      expect(await held[0]?.release(), 'release by the owner').toBe(true);
      const again = await cache.tryLock('job', LONG);
      expect(again, 'tryLock after release').toBeDefined();
      expect(again?.token).not.toBe(held[0]?.token);
    },
  },
  {
    name: 'a lock expires after its ttl and can be acquired again',
    async run(h) {
      const target = await h.open();
      const ttl = shortTtl(target.capabilities);
      const takenAt = Date.now();
      const first = await target.cache.tryLock('job', ttl);
      expect(first).toBeDefined();
      expect(await target.cache.tryLock('job', LONG), 'tryLock right after').toBeUndefined();
      const { elapsed } = await acquireWhenFree(target, 'job', ttl, takenAt);
      expect(elapsed, 'lock freed before its ttl').toBeGreaterThanOrEqual(ttl - EARLY_EXPIRY_TOLERANCE_MS);
    },
  },
  {
    name: 'release is owner-safe: a late release never frees the next owner',
    async run(h) {
      const target = await h.open();
      const { cache } = target;
      const ttl = shortTtl(target.capabilities);
      const takenAt = Date.now();
      const stale = await cache.tryLock('job', ttl);
      expect(stale).toBeDefined();
      const { lock: current } = await acquireWhenFree(target, 'job', ttl, takenAt);
      expect(await stale?.release(), 'release of an expired lock someone else now holds').toBe(false);
      expect(await cache.tryLock('job', LONG), 'the new owner still holds it').toBeUndefined();
      expect(await current.release(), 'release by the current owner').toBe(true);
      expect(await cache.tryLock('job', LONG), 'free after the owner released').toBeDefined();
    },
  },
  {
    name: 'lock() waits until the holder releases, then acquires',
    async run(h) {
      const store = await h.store();
      // Watch the lock attempts through a recorder (the cache then uses the byte path).
      const recorder = recordingStore(store);
      const { cache } = await h.open({}, recorder);
      const holder = await cache.tryLock('job', LONG);
      expect(holder).toBeDefined();
      let settled = false;
      const waiting = cache.lock('job', LONG, { timeout: 10_000, retryDelay: 5 }).finally(() => {
        settled = true;
      });
      const attempts = (): number => recorder.callsOf('add').filter((c) => c.key === '\u001flock:job').length;
      // The holder's add plus at least two attempts by the waiter.
      await vi.waitFor(() => expect(attempts()).toBeGreaterThanOrEqual(3), { interval: 5, timeout: 5_000 });
      expect(settled, 'lock() resolved while the lock was held').toBe(false);
      await holder?.release();
      const acquired = await waiting;
      expect(acquired.key).toBe('job');
      expect(acquired.token).not.toBe(holder?.token);
      expect(await cache.tryLock('job', LONG), 'held by the waiter now').toBeUndefined();
      expect(await acquired.release()).toBe(true);
    },
  },
  {
    name: 'lock() times out with LockTimeoutError',
    async run(h) {
      const { cache } = await h.open();
      await cache.tryLock('job', LONG);
      const timeout = 100;
      const startedAt = Date.now();
      await expectErrorCode(
        cache.lock('job', LONG, { timeout, retryDelay: 5 }),
        ['CACHE_LOCK_TIMEOUT'],
        'lock() on a held lock',
      );
      expect(Date.now() - startedAt, 'gave up before its timeout').toBeGreaterThanOrEqual(
        timeout - EARLY_EXPIRY_TOLERANCE_MS,
      );
    },
  },
  {
    name: 'withLock releases the lock after the callback, also when it throws',
    async run(h) {
      const { cache } = await h.open();
      const result = await cache.withLock('job', LONG, async (lock) => {
        expect(await cache.tryLock('job', LONG), 'inside withLock').toBeUndefined();
        return `ran with ${lock.key}`;
      });
      expect(result).toBe('ran with job');
      const failure = new Error('callback failed');
      await expect(
        cache.withLock('job', LONG, () => {
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(await cache.tryLock('job', LONG), 'free after withLock').toBeDefined();
    },
  },
];
