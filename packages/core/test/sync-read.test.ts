import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { Cache, isSyncReadStore, StoreError, type SyncReadStore } from '../src/index.js';
import { MapStore } from './support/map-store.js';

/** A {@link MapStore} that also answers reads synchronously, counting them. */
class SyncMapStore extends MapStore implements SyncReadStore {
  syncReads = 0;
  /** When set, `getSync` throws this (and `get` still works). */
  syncFailure: Error | undefined;

  getSync(key: string): Uint8Array | undefined {
    this.syncReads++;
    if (this.syncFailure !== undefined) throw this.syncFailure;
    const row = this.rows.get(key);
    if (row === undefined || (row.expiresAt !== 0 && row.expiresAt <= Date.now())) return undefined;
    return row.value.slice();
  }
}

const unsubscribers: (() => void)[] = [];
afterEach(() => {
  for (const off of unsubscribers.splice(0)) off();
});

describe('a store with getSync', () => {
  it('is recognised, and a plain MapStore is not', () => {
    expect(isSyncReadStore(new SyncMapStore())).toBe(true);
    expect(isSyncReadStore(new MapStore())).toBe(false);
  });

  it('answers get and remember hits synchronously, with the same values and counts', async () => {
    const store = new SyncMapStore();
    const cache = new Cache({ store });
    await cache.set('user', { id: 1, name: 'Ada' });
    expect(await cache.get('user')).toEqual({ id: 1, name: 'Ada' });
    expect(await cache.get('absent')).toBeUndefined();
    let factoryCalls = 0;
    expect(await cache.remember('user', '1m', () => ++factoryCalls)).toEqual({ id: 1, name: 'Ada' });
    expect(factoryCalls).toBe(0);
    expect(store.syncReads).toBe(3);
    expect(store.count('get'), 'no asynchronous read for a plain hit or miss').toBe(0);
    const stats = cache.stats();
    expect([stats.hits, stats.misses, stats.l2Hits]).toEqual([2, 1, 2]);
  });

  it('decodes framed entries (graced, tagged) synchronously while their versions are at hand', async () => {
    const store = new SyncMapStore();
    const cache = new Cache({ store });
    await cache.set('tagged', 'v', '1m', { tags: ['t'] });
    expect(await cache.remember('graced', '1m', () => 'g', { grace: '1h' })).toBe('g');
    const asyncReads = store.count('get');
    expect(await cache.get('tagged')).toBe('v');
    expect(await cache.remember('graced', '1m', () => 'recomputed', { grace: '1h' })).toBe('g');
    expect(store.count('get'), 'both hits answered by getSync').toBe(asyncReads);
    await cache.deleteByTag('t');
    expect(
      await cache.get('tagged'),
      'a deleted tag hides the entry on the synchronous path too',
    ).toBeUndefined();
  });

  it('leaves a stale entry to the slow path, which serves it as fail-safe', async () => {
    const store = new SyncMapStore();
    const cache = new Cache({ store });
    await cache.remember('k', 20, () => 'old', { grace: '1h' });
    await new Promise((resolve) => setTimeout(resolve, 40));
    const before = store.count('get');
    expect(
      await cache.remember(
        'k',
        20,
        () => {
          throw new Error('down');
        },
        { grace: '1h' },
      ),
    ).toBe('old');
    expect(store.count('get'), 'the stale entry was read again asynchronously').toBeGreaterThan(before);
  });

  it('falls back to get when getSync throws, so the error is the call’s own', async () => {
    const store = new SyncMapStore();
    const cache = new Cache({ store });
    await cache.set('k', 1);
    store.syncFailure = new Error('sync path broken');
    expect(await cache.get('k'), 'get answers').toBe(1);
    expect([store.syncReads, store.count('get')]).toEqual([1, 1]);
    store.failWith = new StoreError('map', 'get', new Error('backend down'));
    await expect(cache.get('k')).rejects.toBeInstanceOf(StoreError);
    expect(cache.stats().storeErrors).toBe(1);
  });

  it('is not used for a call with a signal, nor while cache:store is traced', async () => {
    const store = new SyncMapStore();
    const cache = new Cache({ store });
    await cache.set('k', 1);
    expect(await cache.get('k', { signal: new AbortController().signal })).toBe(1);
    expect(store.syncReads).toBe(0);
    const traced: unknown[] = [];
    const onStart = (message: unknown): void => {
      traced.push(message);
    };
    subscribe('tracing:cache:store:start', onStart);
    unsubscribers.push(() => unsubscribe('tracing:cache:store:start', onStart));
    expect(await cache.get('k')).toBe(1);
    expect(store.syncReads, 'a traced store call goes through get').toBe(0);
    expect(traced).toHaveLength(1);
  });

  it('is not used by a cache with a default deadline', async () => {
    const store = new SyncMapStore();
    const cache = new Cache({ store, timeout: '1s' });
    await cache.set('k', 1);
    expect(await cache.get('k')).toBe(1);
    expect(store.syncReads).toBe(0);
    expect(store.count('get')).toBe(1);
  });
});
