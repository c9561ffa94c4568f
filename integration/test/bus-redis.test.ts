import { randomUUID } from 'node:crypto';
import { type Bus, Cache, type Store } from '@cache/core';
import { runBusContract } from '@cache/contract';
import { MemoryStore } from '@cache/memory';
import { RedisBus, RedisStore } from '@cache/redis';
import { Cluster, Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { describeBackend, parseHostList } from '../src/backends.js';

/**
 * RedisBus end to end: two `Cache`s (each an L1 in front of the shared Redis, each
 * with its own RedisBus on the prefix's channel), as two nodes would run them.
 * The Bus contract itself runs in packages/redis (standalone, injected client,
 * Cluster); here it runs once more against the Cluster, which CI requires.
 */
const WAIT = { interval: 10, timeout: 10_000 };
const opened: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const resource of opened.splice(0).reverse()) await resource.close().catch(() => {});
});

/** Two coherent caches on one prefix, plus a third one without L1 or bus (writes behind their back). */
async function nodes(
  makeStore: (prefix: string) => Store,
  makeBus: (channel: string) => Bus,
): Promise<{ a: Cache; b: Cache; sneaky: Cache; buses: Bus[] }> {
  const prefix = `bus-e2e-${randomUUID()}`;
  const buses = [makeBus(prefix), makeBus(prefix)];
  const [a, b] = buses.map((bus) => new Cache({ store: makeStore(prefix), l1: new MemoryStore(), bus }));
  const sneaky = new Cache({ store: makeStore(prefix) });
  // Caches first (they unsubscribe), then the buses.
  opened.push(...buses, a as Cache, b as Cache, sneaky);
  for (const cache of [a, b] as Cache[]) {
    await vi.waitFor(async () => expect((await cache.health()).bus).toBe('connected'), WAIT);
  }
  return { a: a as Cache, b: b as Cache, sneaky, buses };
}

/**
 * What every topology must show: writes, deletes and flushes on one node reach the
 * other's L1. L1 states are set up through `sneaky` (no bus message), and each bus
 * write is followed by a poll that sees its effect, so no message is ever in flight
 * when a check relies on the L1 being used.
 */
async function expectCoherence(a: Cache, b: Cache, sneaky: Cache): Promise<void> {
  await sneaky.set('k', 'v1');
  expect(await b.get('k')).toBe('v1');
  await sneaky.set('k', 'behind-the-back');
  expect(await b.get('k'), 'b serves its L1 copy: no message was sent').toBe('v1');
  await a.set('k', 'v2');
  await vi.waitFor(async () => expect(await b.get('k'), 'evicted by the message').toBe('v2'), WAIT);
  await sneaky.set('k', 'behind-the-back');
  expect(await b.get('k'), 'b filled its L1 again').toBe('v2');
  await a.delete('k');
  await vi.waitFor(async () => expect(await b.get('k')).toBeUndefined(), WAIT);
  // The other direction, several keys in one tick (one batched message).
  await sneaky.setMany([
    { key: 'x', value: 1 },
    { key: 'y', value: 1 },
  ]);
  expect(await a.getMany(['x', 'y'])).toEqual([1, 1]);
  await Promise.all([b.set('x', 2), b.set('y', 2)]);
  await vi.waitFor(async () => expect(await a.getMany(['x', 'y'])).toEqual([2, 2]), WAIT);
  // A flush clears the other L1 entirely.
  await sneaky.set('z', 1);
  expect(await b.get('z')).toBe(1);
  await sneaky.set('z', 'behind-the-back');
  expect(await b.get('z')).toBe(1);
  await a.flush();
  await vi.waitFor(async () => expect(await b.get('z')).toBeUndefined(), WAIT);
}

/** `CLIENT KILL` of exactly this bus's subscriber connection (by its id and type pubsub). */
async function killSubscriber(bus: Bus): Promise<void> {
  const info = (bus as RedisBus).subscriberConnection;
  if (info === undefined) throw new Error('the bus has no active subscriber connection');
  const admin = new Redis({ host: info.host, port: info.port });
  try {
    expect(await admin.client('KILL', 'ID', String(info.id), 'TYPE', 'pubsub')).toBe(1);
  } finally {
    admin.disconnect();
  }
}

describeBackend('redis', (url) => {
  describe('RedisBus end to end (standalone)', () => {
    it('a write, delete or flush on one cache evicts the keys from the other L1', async () => {
      const { a, b, sneaky } = await nodes(
        (prefix) => new RedisStore({ url, prefix }),
        (channel) => new RedisBus({ url, channel }),
      );
      await expectCoherence(a, b, sneaky);
    });

    it('a lost subscriber connection is a gap: the L1 from before it is not served; injected clients stay open', async () => {
      const client = new Redis(url);
      opened.push({ close: () => client.quit() });
      const { b, sneaky, buses } = await nodes(
        (prefix) => new RedisStore({ client, prefix }),
        (channel) => new RedisBus({ client, channel }),
      );
      await b.set('k', 'before');
      expect(await b.get('k')).toBe('before');
      await sneaky.set('k', 'during');
      expect(await b.get('k'), 'served from L1: no message was sent').toBe('before');
      const killed = (buses[1] as RedisBus).subscriberConnection?.id;
      await killSubscriber(buses[1] as Bus);
      await vi.waitFor(() => {
        const now = (buses[1] as RedisBus).subscriberConnection?.id;
        expect(now).toBeDefined();
        expect(now).not.toBe(killed);
      }, WAIT);
      await vi.waitFor(async () => expect((await b.health()).bus).toBe('connected'), WAIT);
      expect(await b.get('k'), 'the L1 entry from before the gap is not served').toBe('during');
      for (const resource of opened.splice(1).reverse()) await resource.close();
      expect(client.status).toBe('ready');
      expect(await client.ping()).toBe('PONG');
    });
  });
});

describeBackend('redis-cluster', (clusterNodes) => {
  const seeds = clusterNodes.split(',');
  runBusContract({
    name: 'redis cluster (integration)',
    create: ({ channel }) => new RedisBus({ clusterNodes: seeds, channel }),
    disconnect: killSubscriber,
  });

  describe('RedisBus end to end (Cluster)', () => {
    it('a write, delete or flush on one cache evicts the keys from the other L1', async () => {
      const { a, b, sneaky } = await nodes(
        (prefix) => new RedisStore({ clusterNodes: seeds, prefix }),
        (channel) => new RedisBus({ clusterNodes: seeds, channel }),
      );
      await expectCoherence(a, b, sneaky);
    });

    it('works on an injected Cluster, which close() leaves open', async () => {
      const cluster = new Cluster(parseHostList(clusterNodes, 6379));
      opened.push({ close: () => cluster.quit() });
      const { a, b, sneaky } = await nodes(
        (prefix) => new RedisStore({ client: cluster, prefix }),
        (channel) => new RedisBus({ client: cluster, channel }),
      );
      await expectCoherence(a, b, sneaky);
      for (const resource of opened.splice(1).reverse()) await resource.close();
      expect(cluster.status).toBe('ready');
      expect(await cluster.set(`bus-e2e-${randomUUID()}`, 'still open', 'PX', 1_000)).toBe('OK');
    });
  });
});
