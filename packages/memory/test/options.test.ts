import { describe, expect, it } from 'vitest';
import { MemoryStore, type MemoryStoreOptions } from '../src/index.js';

describe('options', () => {
  it('applies defaults', async () => {
    const store = new MemoryStore();
    expect(store.prefix).toBe('app');
    expect(store.maxEntries).toBe(50_000);
    expect(store.maxBytes).toBe(Number.POSITIVE_INFINITY);
    expect(store.values).toBe('reference');
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
    ['sweepIntervalMs negative', { sweepIntervalMs: -1 }],
    ['sweepIntervalMs fractional', { sweepIntervalMs: 0.5 }],
    ['sweepIntervalMs beyond the timer range', { sweepIntervalMs: 2 ** 31 }],
    ['sweepBatch 0', { sweepBatch: 0 }],
    ['values unknown', { values: 'clone' as 'copy' }],
    ['sizeOf not a function', { sizeOf: 5 as unknown as () => number }],
    ['prefix not a string', { prefix: 1 as unknown as string }],
  ])('rejects %s with ConfigError', (_, options) => {
    expect(() => new MemoryStore(options)).toThrow(
      expect.objectContaining({ code: 'CACHE_INVALID_CONFIG', name: 'ConfigError' }),
    );
  });

  it('rejects non-object options', () => {
    expect(() => new MemoryStore(null as unknown as MemoryStoreOptions)).toThrow(
      expect.objectContaining({ code: 'CACHE_INVALID_CONFIG' }),
    );
  });
});
