import { describe, expect, it } from 'vitest';
import { Cache, ConfigError, MemoStore, NullStore, utf8 } from '../src/index.js';
import { MapStore } from './support/map-store.js';

describe('NullStore', () => {
  it('misses every read and drops every write', async () => {
    const cache = new Cache({ store: new NullStore() });
    await cache.set('k', 1);
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.getMany(['a', 'b'])).toEqual([undefined, undefined]);
    expect(await cache.add('k', 1)).toBe(true);
    expect(await cache.increment('n', 3)).toBe(3);
    expect(await cache.increment('n', 3)).toBe(3);
    let calls = 0;
    await cache.remember('k', '1m', () => ++calls);
    await cache.remember('k', '1m', () => ++calls);
    expect(calls).toBe(2);
    expect(await cache.store.deleteIfEquals('k', utf8('x'))).toBe(false);
  });
});

describe('MemoStore', () => {
  it('answers repeated reads locally and sees its own writes', async () => {
    const inner = new MapStore();
    const memo = new MemoStore(inner);
    const cache = new Cache({ store: memo });
    await cache.set('k', 1);
    expect(await cache.get('k')).toBe(1);
    expect(await cache.get('k')).toBe(1);
    expect(inner.count('get')).toBe(0);
    expect(await cache.get('other')).toBeUndefined();
    expect(await cache.get('other')).toBeUndefined();
    expect(inner.count('get')).toBe(1);
    await cache.delete('k');
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.increment('n', 2)).toBe(2);
    expect(await cache.get('n')).toBe(2);
    expect(memo.name).toBe('memo(map)');
  });

  it('never memoizes a read that overlapped a local write', async () => {
    const inner = new MapStore();
    const memo = new MemoStore(inner);
    await memo.set('k', utf8('old'), 0);
    memo.forget();
    inner.latencyMs = 20;
    const read = memo.get('k');
    await memo.set('k', utf8('new'), 0);
    await read;
    inner.latencyMs = 0;
    expect(new TextDecoder().decode(await memo.get('k'))).toBe('new');
  });

  it('honours TTLs of entries written through it and maxAgeMs for reads', async () => {
    const inner = new MapStore();
    const memo = new MemoStore(inner, { maxAgeMs: 20 });
    await inner.set('k', utf8('v'), 0);
    expect(await memo.get('k')).toBeDefined();
    await inner.delete('k');
    expect(await memo.get('k')).toBeDefined();
    await new Promise((r) => setTimeout(r, 30));
    expect(await memo.get('k')).toBeUndefined();
    expect(() => new MemoStore(inner, { maxEntries: 0 })).toThrow(ConfigError);
  });
});
