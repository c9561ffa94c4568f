import { fileURLToPath } from 'node:url';
import { type CacheOptions, type Duration, StoreClosedError } from '@cache/core';
import { MemoryStore } from '@cache/memory';
import { describe, expect, it } from 'vitest';
import { runExample } from '../../test-support/entry-point.js';
import { CacheService, cacheProvider } from '../src/cache.provider.js';

const EXAMPLE_DIR = fileURLToPath(new URL('..', import.meta.url));

describe('cacheProvider', () => {
  it('builds a CacheService from the injected values, in the order of `inject`', async () => {
    const received: unknown[] = [];
    const provider = cacheProvider(
      (ttl: Duration, maxEntries: number): CacheOptions => {
        received.push(ttl, maxEntries);
        return { store: new MemoryStore({ maxEntries }), defaultTtl: ttl };
      },
      ['TTL_TOKEN', 'SIZE_TOKEN'],
    );
    expect(provider.provide).toBe(CacheService);
    expect(provider.inject).toEqual(['TTL_TOKEN', 'SIZE_TOKEN']);

    const service = await provider.useFactory('5m', 100);
    expect(received).toEqual(['5m', 100]);
    expect(service).toBeInstanceOf(CacheService);
    let loads = 0;
    for (let i = 0; i < 2; i++) await service.cache.remember('k', undefined, () => ++loads);
    expect(loads).toBe(1);
    await service.onApplicationShutdown();
  });

  it('closes the cache in onApplicationShutdown', async () => {
    const service = await cacheProvider(() => ({ store: new MemoryStore() })).useFactory();
    await service.cache.set('k', 1, '1m');
    await service.onApplicationShutdown();
    await expect(service.cache.get('k')).rejects.toBeInstanceOf(StoreClosedError);
  });

  it('runs as `pnpm start`: one load for two reads, then a clean exit', async () => {
    const { code, output } = await runExample(EXAMPLE_DIR, { REDIS_URL: undefined });
    expect(output).toContain('remember(user:42) twice: 1 load(s)');
    expect(output).toContain('cache closed by onApplicationShutdown');
    expect(code).toBe(0);
  });
});
