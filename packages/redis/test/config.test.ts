import { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUT_MS, RedisStore, type RedisStoreOptions } from '../src/index.js';
import { clusterNodes, openStore, REDIS_URL, uniquePrefix } from './support.js';

/** The ConfigError `create` throws (fails the test when it does not throw one). */
function configError(create: () => unknown): Error {
  try {
    create();
  } catch (error) {
    expect(error).toMatchObject({ code: 'CACHE_INVALID_CONFIG' });
    return error as Error;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('RedisStore configuration', () => {
  it('requires a prefix: a shared server must not get a default namespace', () => {
    const error = configError(() => new RedisStore({ url: REDIS_URL } as RedisStoreOptions));
    expect(error.message).toMatch(/needs a prefix/);
    configError(() => new RedisStore(undefined as unknown as RedisStoreOptions));
    configError(() => new RedisStore({ url: REDIS_URL, prefix: 'bad\uD800' }));
  });

  it('has a 5 s default deadline, accepts durations and refuses 0 and the old name', async () => {
    expect(DEFAULT_TIMEOUT_MS).toBe(5_000);
    expect(openStore().timeoutMs).toBe(5_000);
    expect(openStore({ timeout: '250ms' }).timeoutMs).toBe(250);
    expect(openStore({ timeout: 1_500 }).timeoutMs).toBe(1_500);
    for (const timeout of [0, -1, 'soon', Number.NaN]) {
      configError(() => new RedisStore({ url: REDIS_URL, prefix: 'p', timeout: timeout as 0 }));
    }
    const renamed = configError(
      () => new RedisStore({ url: REDIS_URL, prefix: 'p', timeoutMs: 100 } as RedisStoreOptions),
    );
    expect(renamed.message).toMatch(/"timeout"/);
    configError(() => new RedisStore({ url: REDIS_URL, prefix: 'p', hashTag: 'yes' as unknown as boolean }));
  });
});

describe('ioredis keyPrefix is refused (the store would write keys with and without it)', () => {
  it('on an injected standalone client, saying what to use instead', async () => {
    const client = new Redis(REDIS_URL, { keyPrefix: 'legacy:', lazyConnect: true });
    try {
      const error = configError(() => new RedisStore({ client, prefix: uniquePrefix() }));
      expect(error.message).toContain('keyPrefix "legacy:"');
      expect(error.message).toContain("store's prefix");
    } finally {
      client.disconnect();
    }
  });

  it('in the options of a client the store would create, before connecting', () => {
    for (const options of [
      { url: REDIS_URL, redisOptions: { keyPrefix: 'x:' } },
      { clusterNodes: ['127.0.0.1:7000'], clusterOptions: { keyPrefix: 'x:' } },
      { clusterNodes: ['127.0.0.1:7000'], clusterOptions: { redisOptions: { keyPrefix: 'x:' } } },
      { clusterNodes: ['127.0.0.1:7000'], redisOptions: { keyPrefix: 'x:' } },
    ]) {
      expect(configError(() => new RedisStore({ ...options, prefix: 'p' })).message).toContain('keyPrefix');
    }
  });

  it.runIf(clusterNodes.length > 0)('on an injected Cluster client', () => {
    const nodes = clusterNodes.map((node) => ({
      host: node.split(':')[0],
      port: Number(node.split(':')[1]),
    }));
    for (const options of [{ keyPrefix: 'legacy:' }, { redisOptions: { keyPrefix: 'legacy:' } }]) {
      const cluster = new Cluster(nodes, { ...options, lazyConnect: true });
      try {
        expect(configError(() => new RedisStore({ client: cluster, prefix: 'p' })).message).toContain(
          'keyPrefix "legacy:"',
        );
      } finally {
        cluster.disconnect();
      }
    }
  });

  it('accepts a client whose keyPrefix is empty (ioredis default)', () => {
    const client = new Redis(REDIS_URL, { keyPrefix: '', lazyConnect: true });
    try {
      expect(new RedisStore({ client, prefix: 'p' }).client).toBe(client);
    } finally {
      client.disconnect();
    }
  });
});
