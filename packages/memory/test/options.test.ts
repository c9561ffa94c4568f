import { describe, expect, it } from 'vitest';
import { MemoryStore, type MemoryStoreOptions } from '../src/index.js';

describe('options', () => {
  it('applies defaults', async () => {
    const store = new MemoryStore();
    expect(store.prefix).toBe('app');
    expect(store.maxEntries).toBe(50_000);
    expect(store.maxBytes).toBe(Number.POSITIVE_INFINITY);
    expect(store.values).toBe('reference');
    expect(store.policy).toBe('tinylfu');
    await store.close();
  });

  it.each<[string, MemoryStoreOptions]>([
    ['maxEntries 0', { maxEntries: 0 }],
    ['maxEntries negative', { maxEntries: -1 }],
    ['maxEntries fractional', { maxEntries: 1.5 }],
    ['maxEntries Infinity', { maxEntries: Number.POSITIVE_INFINITY }],
    ['maxEntries string', { maxEntries: '10' as unknown as number }],
    ['maxBytes 0', { maxBytes: 0 }],
    ['maxBytes NaN', { maxBytes: Number.NaN }],
    ['pruneInterval negative', { pruneInterval: -1 }],
    ['pruneInterval NaN', { pruneInterval: Number.NaN }],
    ['pruneInterval not a duration', { pruneInterval: 'soon' as '1s' }],
    ['pruneInterval beyond the timer range', { pruneInterval: 2 ** 31 }],
    ['pruneLimit 0', { pruneLimit: 0 }],
    ['pruneLimit fractional', { pruneLimit: 2.5 }],
    ['prefix empty', { prefix: '' }],
    ['prefix with a lone surrogate', { prefix: 'a\uD800' }],
    ['values unknown', { values: 'clone' as 'copy' }],
    ['policy unknown', { policy: 'arc' as 'lru' }],
    ['sizeOf not a function', { sizeOf: 5 as unknown as () => number }],
    ['prefix not a string', { prefix: 1 as unknown as string }],
  ])('rejects %s with ConfigError', (_, options) => {
    expect(() => new MemoryStore(options)).toThrow(
      expect.objectContaining({ code: 'CACHE_INVALID_CONFIG', name: 'ConfigError' }),
    );
  });

  it.each([
    ['sweepIntervalMs', 'pruneInterval'],
    ['sweepBatch', 'pruneLimit'],
  ])('refuses the renamed option %s, naming %s', (old, now) => {
    expect(() => new MemoryStore({ [old]: 10 } as MemoryStoreOptions)).toThrow(
      expect.objectContaining({ code: 'CACHE_INVALID_CONFIG', message: expect.stringContaining(now) }),
    );
  });

  it('accepts pruneInterval as a duration string, and 0 to turn the sweep off', async () => {
    const every2s = new MemoryStore({ pruneInterval: '2s', pruneLimit: 5 });
    const timer = (every2s as unknown as { timer: { interval: { _idleTimeout: number } } }).timer;
    expect(timer.interval._idleTimeout).toBe(2000);
    const off = new MemoryStore({ pruneInterval: 0 });
    expect((off as unknown as { timer: unknown }).timer).toBeUndefined();
    await every2s.close();
    await off.close();
  });

  it('rejects non-object options', () => {
    expect(() => new MemoryStore(null as unknown as MemoryStoreOptions)).toThrow(
      expect.objectContaining({ code: 'CACHE_INVALID_CONFIG' }),
    );
  });
});
