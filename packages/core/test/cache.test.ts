import { describe, expect, it, vi } from 'vitest';
import {
  Cache,
  type CacheEvent,
  CacheTimeoutError,
  ConfigError,
  InvalidKeyError,
  InvalidTtlError,
  InvalidValueError,
  NotNumericError,
  StoreError,
} from '../src/index.js';
import { MapStore } from './support/map-store.js';

describe('Cache facade', () => {
  it('round-trips typed values and reports misses as undefined', async () => {
    const cache = new Cache({ store: new MapStore() });
    await cache.set('user:1', { id: 1, name: 'Ada' });
    expect(await cache.get<{ id: number }>('user:1')).toEqual({ id: 1, name: 'Ada' });
    expect(await cache.get('missing')).toBeUndefined();
    await cache.set('null', null);
    expect(await cache.get('null')).toBeNull();
  });

  it('getMany / setMany keep key order with partial misses', async () => {
    const cache = new Cache({ store: new MapStore() });
    await cache.setMany([
      { key: 'a', value: 1 },
      { key: 'c', value: 3, ttl: '1m' },
    ]);
    expect(await cache.getMany(['a', 'b', 'c', 'a'])).toEqual([1, undefined, 3, 1]);
    expect(await cache.getMany([])).toEqual([]);
  });

  it('add writes only when absent; pull reads and deletes', async () => {
    const cache = new Cache({ store: new MapStore() });
    expect(await cache.add('k', 1)).toBe(true);
    expect(await cache.add('k', 2)).toBe(false);
    expect(await cache.pull('k')).toBe(1);
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.pull('k')).toBeUndefined();
  });

  it('expires entries after their TTL in ms', async () => {
    const cache = new Cache({ store: new MapStore() });
    await cache.set('short', 'v', 40);
    await cache.set('forever', 'v', 'forever');
    expect(await cache.get('short')).toBe('v');
    await vi.waitFor(async () => expect(await cache.get('short')).toBeUndefined(), {
      timeout: 2000,
      interval: 10,
    });
    expect(await cache.get('forever')).toBe('v');
  });

  it('counts with increment / decrement and rejects non-numeric values', async () => {
    const cache = new Cache({ store: new MapStore() });
    expect(await cache.increment('n')).toBe(1);
    expect(await cache.increment('n', 5)).toBe(6);
    expect(await cache.decrement('n', 10)).toBe(-4);
    expect(await cache.get<number>('n')).toBe(-4);
    await cache.set('s', 'text');
    await expect(cache.increment('s')).rejects.toBeInstanceOf(NotNumericError);
    await expect(cache.increment('n', 1.5)).rejects.toBeInstanceOf(InvalidValueError);
  });

  it('strings and bytes skip the codec', async () => {
    const store = new MapStore();
    const cache = new Cache({ store });
    await cache.setString('s', 'héllo');
    expect(new TextDecoder().decode(store.rows.get('s')?.value)).toBe('héllo');
    expect(await cache.getString('s')).toBe('héllo');
    await cache.setBytes('b', Uint8Array.from([1, 2, 3]));
    expect(await cache.getBytes('b')).toEqual(Uint8Array.from([1, 2, 3]));
    store.rows.set('bad', { value: Uint8Array.from([0xff, 0xfe]), expiresAt: 0 });
    await expect(cache.getString('bad')).rejects.toMatchObject({ code: 'CACHE_CORRUPT_PAYLOAD' });
  });

  it('rejects bad input with typed errors and calls no store', async () => {
    const store = new MapStore();
    const cache = new Cache({ store, maxKeyLength: 10 });
    await expect(cache.get('')).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(cache.get(42 as never)).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(cache.set('x'.repeat(11), 1)).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(cache.set('k', undefined)).rejects.toBeInstanceOf(InvalidValueError);
    await expect(cache.set('k', 1, Number.NaN)).rejects.toBeInstanceOf(InvalidTtlError);
    await expect(cache.set('k', 1, 'soon' as never)).rejects.toBeInstanceOf(InvalidTtlError);
    await expect(cache.set('k', 10n)).rejects.toBeInstanceOf(InvalidValueError);
    await expect(cache.getMany(['ok', ''])).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(cache.setBytes('k', 'nope' as never)).rejects.toBeInstanceOf(InvalidValueError);
    expect(store.calls).toEqual([]);
  });

  it('rejects bad configuration with ConfigError', () => {
    const store = new MapStore();
    expect(() => new Cache({} as never)).toThrow(ConfigError);
    expect(() => new Cache({ store, defaultTtl: 'later' as never })).toThrow(ConfigError);
    expect(() => new Cache({ store, maxValueBytes: -1 })).toThrow(ConfigError);
    expect(() => new Cache({ store, codec: {} as never })).toThrow(ConfigError);
    expect(() => new Cache({ store, timeout: Number.NaN })).toThrow(ConfigError);
  });

  it('uses the default TTL for missing and non-positive TTLs', async () => {
    const store = new MapStore();
    const cache = new Cache({ store, defaultTtl: '1h' });
    const before = Date.now();
    await cache.set('k', 1, 0);
    const expiresAt = store.rows.get('k')?.expiresAt as number;
    expect(expiresAt - before).toBeGreaterThanOrEqual(3_600_000);
    expect(expiresAt - before).toBeLessThan(3_601_000);
  });

  it('rejects with the signal reason when aborted, and a typed timeout past the deadline', async () => {
    const store = new MapStore();
    const cache = new Cache({ store });
    const aborted = AbortSignal.abort(new Error('stop'));
    await expect(cache.get('k', { signal: aborted })).rejects.toThrow('stop');
    expect(store.calls).toEqual([]);
    store.latencyMs = 200;
    const controller = new AbortController();
    const pending = cache.get('k', { signal: controller.signal });
    controller.abort(new Error('cancelled'));
    await expect(pending).rejects.toThrow('cancelled');
    await expect(cache.get('k', { timeout: 20 })).rejects.toBeInstanceOf(CacheTimeoutError);
    const slow = new Cache({ store, timeout: '20ms' });
    await expect(slow.set('k', 1)).rejects.toBeInstanceOf(CacheTimeoutError);
  });

  it('surfaces store failures as the store error', async () => {
    const store = new MapStore();
    store.failWith = new StoreError('map', 'get', new Error('ECONNREFUSED'));
    const cache = new Cache({ store });
    await expect(cache.get('k')).rejects.toMatchObject({ code: 'CACHE_STORE_ERROR' });
  });

  it('reports every call to the observer, and survives a throwing observer', async () => {
    const events: CacheEvent[] = [];
    const cache = new Cache({
      store: new MapStore(),
      observer: (e) => {
        events.push(e);
        throw new Error('observer bug');
      },
    });
    await cache.set('a', 1);
    await cache.get('a');
    await cache.get('b');
    await cache.getMany(['a', 'b']);
    await expect(cache.increment('a', 0.5)).rejects.toThrow();
    expect(events.map((e) => [e.op, e.key, e.hit])).toEqual([
      ['set', 'a', undefined],
      ['get', 'a', true],
      ['get', 'b', false],
      ['getMany', 'a', true],
      ['getMany', 'b', false],
      ['increment', 'a', undefined],
    ]);
    expect(events.at(-1)?.error).toBeInstanceOf(InvalidValueError);
    expect(events.every((e) => e.driver === 'map' && e.durationMs >= 0)).toBe(true);
  });
});
