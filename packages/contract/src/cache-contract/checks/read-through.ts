import type { CacheEvent } from '@cache/core';
import { expect, vi } from 'vitest';
import { deferred } from '../../support/deferred.js';
import { expectErrorCode } from '../../support/error-code.js';
import { EARLY_EXPIRY_TOLERANCE_MS, expiryDeadline, POLL_INTERVAL_MS, shortTtl } from '../../support/ttl.js';
import type { CacheCheck } from '../check.js';
import type { CacheUnderTest } from '../harness.js';

const LONG = 60_000;

/** Polls until `key` reads as not fresh (`get` is undefined) and returns ms since `since`. */
async function untilStale(target: CacheUnderTest, key: string, ttl: number, since: number): Promise<number> {
  return vi.waitFor(
    async () => {
      expect(await target.cache.get(key), `"${key}" still fresh`).toBeUndefined();
      return Date.now() - since;
    },
    { interval: POLL_INTERVAL_MS, timeout: expiryDeadline(target.capabilities, ttl) },
  );
}

/** The composable read-through options (grace, backoff, timeouts, eager refresh, batches). */
export const readThroughChecks: readonly CacheCheck[] = [
  {
    name: 'grace serves the last good value after the factory fails, and stops serving it after grace',
    async run(h) {
      const target = await h.open();
      const { cache, capabilities } = target;
      const ttl = shortTtl(capabilities);
      const grace = shortTtl(capabilities);
      const failure = new Error('source down');
      const failing = (): never => {
        throw failure;
      };
      const writtenAt = Date.now();
      expect(await cache.remember('k', ttl, () => 'good', { grace })).toBe('good');
      const elapsed = await untilStale(target, 'k', ttl, writtenAt);
      expect(elapsed, 'stale before its ttl').toBeGreaterThanOrEqual(ttl - EARLY_EXPIRY_TOLERANCE_MS);
      expect(await cache.remember('k', ttl, failing, { grace, graceBackoff: 0 }), 'graced value').toBe(
        'good',
      );
      // Without grace asked for, the same stale entry is not a fallback.
      await expect(cache.remember('k', ttl, failing)).rejects.toBe(failure);
      await vi.waitFor(
        async () => {
          await expect(cache.remember('k', ttl, failing, { grace, graceBackoff: 0 })).rejects.toBe(failure);
        },
        { interval: POLL_INTERVAL_MS, timeout: expiryDeadline(capabilities, ttl + grace) },
      );
    },
  },
  {
    name: 'graceBackoff: calls during an outage cost one factory call until the backoff ends',
    async run(h) {
      const target = await h.open();
      const { cache, capabilities } = target;
      const ttl = shortTtl(capabilities);
      await cache.remember('k', ttl, () => 'good', { grace: LONG });
      await untilStale(target, 'k', ttl, Date.now());
      let calls = 0;
      const failing = (): never => {
        calls++;
        throw new Error('source down');
      };
      for (let i = 0; i < 5; i++) {
        expect(await cache.remember('k', ttl, failing, { grace: LONG, graceBackoff: LONG })).toBe('good');
      }
      expect(calls, 'factory calls for 5 calls inside the backoff').toBe(1);
      // Default backoff with grace is 30 s: still throttled.
      expect(await cache.remember('k', ttl, failing, { grace: LONG })).toBe('good');
      expect(calls).toBe(1);
      // A short backoff ends, and the factory is tried again.
      const short = { grace: LONG, graceBackoff: 50 };
      expect(await cache.remember('other', ttl, () => 'x', short)).toBe('x');
      await untilStale(target, 'other', ttl, Date.now());
      let otherCalls = 0;
      const failingOther = (): never => {
        otherCalls++;
        throw new Error('down');
      };
      await cache.remember('other', ttl, failingOther, short);
      await vi.waitFor(
        async () => {
          await cache.remember('other', ttl, failingOther, short);
          expect(otherCalls, 'factory tried again after the backoff').toBeGreaterThanOrEqual(2);
        },
        { interval: POLL_INTERVAL_MS, timeout: 5_000 },
      );
    },
  },
  {
    name: 'softTimeout returns the stale value in about softTimeout and the background result lands',
    async run(h) {
      const target = await h.open();
      const { cache, capabilities } = target;
      const ttl = shortTtl(capabilities);
      await cache.remember('k', ttl, () => 'old', { grace: LONG });
      await untilStale(target, 'k', ttl, Date.now());
      const gate = deferred();
      const slow = async (): Promise<string> => {
        await gate.promise;
        return 'new';
      };
      const softTimeout = 100;
      const started = Date.now();
      expect(await cache.remember('k', ttl * 10, slow, { grace: LONG, softTimeout })).toBe('old');
      const waited = Date.now() - started;
      expect(waited, 'returned at the soft timeout, not before').toBeGreaterThanOrEqual(softTimeout - 5);
      expect(waited, 'returned without waiting for the factory').toBeLessThan(softTimeout + 2_000);
      gate.resolve();
      await vi.waitFor(async () => expect(await cache.get('k'), 'background result').toBe('new'), {
        interval: POLL_INTERVAL_MS,
        timeout: 5_000,
      });
    },
  },
  {
    name: 'hardTimeout without a stale value rejects with FactoryTimeoutError; background completion caches the result',
    async run(h) {
      const { cache } = await h.open();
      const gate = deferred();
      let signalOf: AbortSignal | undefined;
      const slow = async ({ signal }: { signal: AbortSignal }): Promise<string> => {
        signalOf = signal;
        await gate.promise;
        return 'late';
      };
      const error = await expectErrorCode(
        cache.remember('k', LONG, slow, { hardTimeout: 100 }),
        ['CACHE_FACTORY_TIMEOUT'],
        'remember past hardTimeout',
      );
      expect(error.name).toBe('FactoryTimeoutError');
      expect(signalOf?.aborted, 'background completion keeps the factory running').toBe(false);
      gate.resolve();
      await vi.waitFor(async () => expect(await cache.get('k')).toBe('late'), {
        interval: POLL_INTERVAL_MS,
        timeout: 5_000,
      });
      // Without background completion, the factory's signal aborts once nobody waits.
      let aborted: AbortSignal | undefined;
      const never = ({ signal }: { signal: AbortSignal }): Promise<string> => {
        aborted = signal;
        return new Promise(() => {});
      };
      await expectErrorCode(
        cache.remember('j', LONG, never, { hardTimeout: 50, backgroundCompletion: false }),
        ['CACHE_FACTORY_TIMEOUT'],
        'hardTimeout without background completion',
      );
      expect(aborted?.aborted, 'factory signal aborted').toBe(true);
    },
  },
  {
    name: 'eagerRefresh serves the old value and refreshes once in the background',
    async run(h) {
      const target = await h.open();
      const { cache, capabilities } = target;
      const ttl = shortTtl(capabilities) * 4;
      expect(await cache.remember('k', ttl, () => 'v1', { eagerRefresh: 0.5 })).toBe('v1');
      // Counted from after the write, so that the entry is surely past half its TTL below.
      const writtenAt = Date.now();
      // Past half the TTL (and before it ends), hits start one refresh.
      await vi.waitFor(() => expect(Date.now() - writtenAt).toBeGreaterThan(ttl * 0.5 + 5), {
        interval: POLL_INTERVAL_MS,
        timeout: ttl,
      });
      const gate = deferred();
      let calls = 0;
      const refresh = async (): Promise<string> => {
        calls++;
        await gate.promise;
        return 'v2';
      };
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => cache.remember('k', ttl, refresh, { eagerRefresh: 0.5 })),
      );
      expect(answers, 'the old value is served while refreshing').toEqual(Array(10).fill('v1'));
      await vi.waitFor(() => expect(calls).toBe(1), { interval: 5, timeout: 5_000 });
      gate.resolve();
      await vi.waitFor(async () => expect(await cache.get('k')).toBe('v2'), {
        interval: POLL_INTERVAL_MS,
        timeout: 5_000,
      });
      expect(calls, 'one refresh for 10 hits').toBe(1);
    },
  },
  {
    name: 'rememberMany: partial hits, duplicate keys, one factory call for the misses, one batch write',
    async run(h) {
      const { cache } = await h.open();
      await cache.set('a', 'A', LONG);
      const asked: (readonly string[])[] = [];
      const factory = (keys: readonly string[]): string[] => {
        asked.push([...keys]);
        return keys.map((k) => k.toUpperCase());
      };
      expect(await cache.rememberMany(['a', 'b', 'b', 'c'], LONG, factory)).toEqual(['A', 'B', 'B', 'C']);
      expect(asked, 'one factory call with the missing keys, once each').toEqual([['b', 'c']]);
      expect(await cache.getMany(['b', 'c'])).toEqual(['B', 'C']);
      expect(await cache.rememberMany(['c', 'a', 'b'], LONG, factory)).toEqual(['C', 'A', 'B']);
      expect(asked, 'no factory call when everything hits').toHaveLength(1);
      // A Map result; a key it leaves out is returned as undefined and not cached.
      const fromMap = await cache.rememberMany(['m1', 'm2'], LONG, () => new Map([['m1', 1]]));
      expect(fromMap).toEqual([1, undefined]);
      expect(await cache.get('m2')).toBeUndefined();
      await expectErrorCode(
        cache.rememberMany(['x'], LONG, () => [1, 2]),
        ['CACHE_INVALID_VALUE'],
        'a factory returning the wrong number of values',
      );
    },
  },
  {
    name: 'overlapping rememberMany and remember calls compute each missing key once',
    async run(h) {
      const { cache } = await h.open();
      const gate = deferred();
      const computed: string[] = [];
      const factory = async (keys: readonly string[]): Promise<string[]> => {
        computed.push(...keys);
        await gate.promise;
        return keys.map((k) => `v:${k}`);
      };
      const first = cache.rememberMany(['x', 'y'], LONG, factory);
      await vi.waitFor(() => expect(computed).toEqual(['x', 'y']), { interval: 5, timeout: 5_000 });
      const second = cache.rememberMany(['y', 'z'], LONG, factory);
      const single = cache.remember('x', LONG, () => 'recomputed');
      await vi.waitFor(() => expect(computed).toContain('z'), { interval: 5, timeout: 5_000 });
      gate.resolve();
      expect(await first).toEqual(['v:x', 'v:y']);
      expect(await second).toEqual(['v:y', 'v:z']);
      expect(await single, 'remember waited for the batch computing "x"').toBe('v:x');
      expect(computed.sort(), 'each key computed once').toEqual(['x', 'y', 'z']);
    },
  },
  {
    name: 'grace + softTimeout + eagerRefresh combine on one key',
    async run(h) {
      const target = await h.open();
      const { cache, capabilities } = target;
      const ttl = shortTtl(capabilities) * 4;
      const options = { grace: LONG, softTimeout: 80, eagerRefresh: 0.5, graceBackoff: 0 };
      expect(await cache.remember('k', ttl, () => 'v1', options)).toBe('v1');
      const writtenAt = Date.now();
      await vi.waitFor(() => expect(Date.now() - writtenAt).toBeGreaterThan(ttl * 0.5 + 5), {
        interval: POLL_INTERVAL_MS,
        timeout: ttl,
      });
      // Eager refresh: served v1, refreshed to v2 in the background.
      expect(await cache.remember('k', ttl, () => 'v2', options)).toBe('v1');
      await vi.waitFor(async () => expect(await cache.get('k')).toBe('v2'), {
        interval: POLL_INTERVAL_MS,
        timeout: 5_000,
      });
      const refreshedAt = Date.now();
      await untilStale(target, 'k', ttl, refreshedAt);
      // Stale: a failing factory falls back to the graced v2.
      expect(await cache.remember('k', ttl, () => Promise.reject(new Error('down')), options)).toBe('v2');
      // Stale and slow: the soft timeout answers with v2, the slow result lands later.
      const gate = deferred();
      const started = Date.now();
      expect(
        await cache.remember(
          'k',
          ttl,
          async () => {
            await gate.promise;
            return 'v3';
          },
          options,
        ),
      ).toBe('v2');
      expect(Date.now() - started).toBeGreaterThanOrEqual(75);
      gate.resolve();
      await vi.waitFor(async () => expect(await cache.get('k')).toBe('v3'), {
        interval: POLL_INTERVAL_MS,
        timeout: 5_000,
      });
    },
  },
  {
    name: 'the observer gets a truthful hit (and stale) for every read-through call',
    async run(h) {
      const events: CacheEvent[] = [];
      const target = await h.open({ observer: (event) => events.push(event) });
      const { cache, capabilities } = target;
      const of = (op: string) =>
        events.filter((e) => e.op === op).map((e) => ({ hit: e.hit, stale: e.stale === true }));
      await cache.remember('k', LONG, () => 1);
      await cache.remember('k', LONG, () => 2);
      expect(of('remember')).toEqual([
        { hit: false, stale: false },
        { hit: true, stale: false },
      ]);
      const ttl = shortTtl(capabilities);
      await cache.refreshAhead('r', ttl, 1, () => 'a');
      await cache.refreshAhead('r', ttl, 1, () => 'b');
      expect(of('refreshAhead'), 'refreshAhead: a miss, then a hit').toEqual([
        { hit: false, stale: false },
        { hit: true, stale: false },
      ]);
      await cache.rememberStale('s', ttl, LONG, () => 'good');
      await untilStale(target, 's', ttl, Date.now());
      await cache.rememberStale('s', ttl, LONG, () => Promise.reject(new Error('down')));
      expect(of('rememberStale'), 'rememberStale: a miss, then a stale value').toEqual([
        { hit: false, stale: false },
        { hit: false, stale: true },
      ]);
      await cache.rememberMany(['k', 'm'], LONG, (keys) => keys.map(() => 0));
      expect(of('rememberMany'), 'rememberMany: one event per key').toEqual([
        { hit: true, stale: false },
        { hit: false, stale: false },
      ]);
    },
  },
];

/** Distributed single-flight (shared stores only): one factory call across caches that share the store. */
export const distributedChecks: readonly CacheCheck[] = [
  {
    name: 'distributed: callers in 3 caches sharing the store cost one factory call for a cold key',
    async run(h, test) {
      const prefix = h.prefix();
      const stores = [await h.store(prefix), await h.store(prefix), await h.store(prefix)];
      if (!stores[0]?.capabilities.shared) test.skip('the store is not shared');
      const caches = await Promise.all(stores.map(async (store) => (await h.open({}, store)).cache));
      const gate = deferred();
      let calls = 0;
      const factory = async (): Promise<string> => {
        calls++;
        await gate.promise;
        return 'once';
      };
      const answers = caches.flatMap((cache) =>
        Array.from({ length: 20 }, () => cache.remember('cold', LONG, factory, { distributed: true })),
      );
      await vi.waitFor(() => expect(calls).toBe(1), { interval: 5, timeout: 5_000 });
      gate.resolve();
      expect(await Promise.all(answers)).toEqual(Array(60).fill('once'));
      expect(calls, 'factory calls across the three caches').toBe(1);
      // Without distributed, each cache computes on its own.
      let local = 0;
      const open = deferred();
      const localFactory = async (): Promise<number> => {
        local++;
        await open.promise;
        return local;
      };
      const localAnswers = Promise.all(
        caches.map((cache) => cache.remember('cold-local', LONG, localFactory)),
      );
      await vi.waitFor(() => expect(local, 'one call per cache without distributed').toBe(3), {
        interval: 5,
        timeout: 5_000,
      });
      open.resolve();
      await localAnswers;
    },
  },
  {
    name: 'distributed: a waiter computes itself after lockTimeout, and graced values are served at once',
    async run(h, test) {
      const prefix = h.prefix();
      const [s1, s2] = [await h.store(prefix), await h.store(prefix)];
      if (!s1.capabilities.shared) test.skip('the store is not shared');
      const { cache: winner, capabilities } = await h.open({}, s1);
      const { cache: waiter } = await h.open({}, s2);
      const stuck = deferred<string>();
      const slow = winner.remember('k', LONG, () => stuck.promise, { distributed: true });
      // Let the winner take the lease first.
      await vi.waitFor(async () => expect(await s1.get('\u001flease:k')).toBeDefined(), {
        interval: 5,
        timeout: 5_000,
      });
      const started = Date.now();
      expect(await waiter.remember('k', LONG, () => 'mine', { distributed: true, lockTimeout: 200 })).toBe(
        'mine',
      );
      expect(Date.now() - started, 'waited about lockTimeout').toBeGreaterThanOrEqual(150);
      stuck.resolve('late');
      expect(await slow).toBe('late');
      // With grace and another process computing, the graced value is served at once.
      const ttl = shortTtl(capabilities);
      await winner.remember('g', ttl, () => 'old', { grace: LONG });
      await vi.waitFor(async () => expect(await winner.get('g')).toBeUndefined(), {
        interval: POLL_INTERVAL_MS,
        timeout: expiryDeadline(capabilities, ttl),
      });
      const again = deferred<string>();
      const computing = winner.remember('g', ttl, () => again.promise, { grace: LONG, distributed: true });
      await vi.waitFor(async () => expect(await s1.get('\u001flease:g')).toBeDefined(), {
        interval: 5,
        timeout: 5_000,
      });
      expect(await waiter.remember('g', ttl, () => 'never', { grace: LONG, distributed: true })).toBe('old');
      again.resolve('new');
      expect(await computing).toBe('new');
    },
  },
];
