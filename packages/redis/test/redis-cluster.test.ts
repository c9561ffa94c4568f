import { NO_EXPIRY } from '@cache/core';
import { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { keySlot, RedisStore } from '../src/index.js';
import { bytes, clusterNodes, openStore, text, uniquePrefix } from './support.js';

describe.runIf(clusterNodes.length > 0)('RedisStore on a Redis Cluster', () => {
  it('spreads a batch over slots on every master, and reads it back in order', async () => {
    const store = openStore({ clusterNodes });
    const keys = Array.from({ length: 300 }, (_, i) => `k${i}`);
    await store.setMany(
      keys.map((key, i) => ({ key, value: bytes(`v${i}`), ttl: i % 2 ? NO_EXPIRY : 60_000 })),
    );
    const slots = new Set(keys.map((key) => keySlot(Buffer.from(`${store.prefix}:${key}`))));
    expect(slots.size).toBeGreaterThan(100);
    const probe = [...keys.slice(0, 150), 'missing', ...keys.slice(150)].reverse();
    expect((await store.getMany(probe)).map(text)).toEqual(
      probe.map((key) => (key === 'missing' ? undefined : `v${key.slice(1)}`)),
    );
    const cluster = store.client as Cluster;
    const perMaster = await Promise.all(
      cluster.nodes('master').map(async (node) => Number((await node.dbsize()) > 0)),
    );
    expect(perMaster.reduce((a, b) => a + b, 0)).toBe(3);
    await store.deleteMany(keys.slice(0, 200));
    const after = await store.getMany(keys);
    expect(after.filter((value) => value !== undefined).length).toBe(100);
  });

  it('runs increment and compare-and-delete on the node owning the key', async () => {
    const store = openStore({ clusterNodes });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => store.increment(`counter-${i % 5}`, 1, 60_000)),
    );
    expect(results.filter((value) => value === 4).length).toBe(5);
    await store.set('lock', bytes('me'), 60_000);
    expect(await store.deleteIfEquals('lock', bytes('you'))).toBe(false);
    expect(await store.deleteIfEquals('lock', bytes('me'))).toBe(true);
  });

  it('flushes its prefix on every master and nothing else', async () => {
    const base = uniquePrefix('cluster-flush');
    const store = openStore({ clusterNodes, prefix: `${base}*` });
    const neighbour = openStore({ clusterNodes, prefix: `${base}x` });
    const keys = Array.from({ length: 500 }, (_, i) => `k${i}`);
    await store.setMany(keys.map((key) => ({ key, value: bytes('v'), ttl: 60_000 })));
    await neighbour.setMany(keys.map((key) => ({ key, value: bytes('n'), ttl: 60_000 })));
    await store.flush();
    expect((await store.getMany(keys)).every((value) => value === undefined)).toBe(true);
    expect((await neighbour.getMany(keys)).every((value) => text(value) === 'n')).toBe(true);
    await neighbour.flush();
  });

  it('works with an injected Cluster and leaves it open on close', async () => {
    const cluster = new Cluster(
      clusterNodes.map((node) => ({ host: node.split(':')[0], port: Number(node.split(':')[1]) })),
    );
    const store = new RedisStore({ client: cluster, prefix: uniquePrefix() });
    try {
      await store.setMany([
        { key: 'a', value: bytes('1'), ttl: 60_000 },
        { key: 'b', value: bytes('2'), ttl: 60_000 },
      ]);
      expect((await store.getMany(['a', 'b'])).map(text)).toEqual(['1', '2']);
      await store.flush();
      await store.close();
      expect(cluster.status).toBe('ready');
    } finally {
      await cluster.quit();
    }
  });
});
