import { randomUUID } from 'node:crypto';
import { type Bus, Cache, type Store } from '@cache/core';
import { type RecordingStore, recordingStore } from '@cache/contract';
import { MemoryStore } from '@cache/memory';
import { afterEach, expect, it, vi } from 'vitest';

/** What the tag checks need of a coherence setup. */
export interface TagCoherenceSetup {
  /** Title, e.g. "redis L2 + RedisBus". */
  readonly title: string;
  /** A new store on the run's L2 (its prefix, bucket or table). */
  readonly store: () => Store;
  /** A new bus on `channel` (called once per node). */
  readonly bus: (channel: string) => Bus;
  /** The longest a node may serve an entry after another node's invalidation resolved, ms. */
  readonly boundMs: number;
}

/** One node: an L1 in front of the shared store (every call to it recorded), and a bus. */
interface TagNode {
  readonly cache: Cache;
  readonly store: RecordingStore;
  readonly bus: Bus;
}

const LONG = '10m';
const failing = (): never => {
  throw new Error('source down');
};

/**
 * Polls until a read of A fills its L1 and the next one costs no store call.
 * Needed because B's own writes announce their keys: a message arriving after A
 * filled its L1 from L2 drops that copy again (as it must).
 */
async function holdInL1(node: TagNode, read: (cache: Cache) => Promise<unknown>, expected: unknown) {
  await vi.waitFor(
    async () => {
      expect(await read(node.cache)).toEqual(expected);
      await expectFromL1(node, read, expected);
    },
    { timeout: 10_000, interval: 10 },
  );
}

/** Reads with `read`, expecting `expected` and no store call at all: served from L1, versions included. */
async function expectFromL1(node: TagNode, read: (cache: Cache) => Promise<unknown>, expected: unknown) {
  node.store.reset();
  expect(await read(node.cache)).toEqual(expected);
  expect(
    node.store.calls.map((call) => call.op),
    'served from L1: no store call',
  ).toEqual([]);
}

/**
 * Registers, for one L2 + bus combination, the cross-node invalidation of tags
 * and namespaces through the bus. Two nodes in this process, each with its own
 * L1, store and bus connection; node A holds the entries in L1 (proved: a read
 * makes no store call), node B invalidates them:
 * - `deleteByTag`: A stops serving the tagged entries within the bound, keeps
 *   serving the others from L1, and sees a value re-set afterwards;
 * - `ns.flush()`: the same for a namespace and the one nested in it, while a
 *   neighbour namespace and the root stay in L1;
 * - `expireByTag`: A's plain `get` misses within the bound, while `remember` with
 *   `grace` and a failing factory still serves the old value.
 *
 * No `tagCheckInterval` is given, so with a connected bus a node trusts the
 * versions it read until a bus message says otherwise: only the bus can make A
 * miss within the bound.
 */
export function tagCoherenceChecks(setup: TagCoherenceSetup): void {
  const nodes: TagNode[] = [];
  afterEach(async () => {
    for (const node of nodes.splice(0)) {
      await node.cache.close();
      // A cache never closes its bus (it may be shared).
      await node.bus.close();
    }
  });

  /** Nodes A and B on one fresh channel, both subscribed. */
  const twoNodes = async (): Promise<{ a: TagNode; b: TagNode }> => {
    const channel = `tags-${randomUUID()}`;
    const [a, b] = [0, 1].map(() => {
      const store = recordingStore(setup.store());
      const bus = setup.bus(channel);
      const node = { cache: new Cache({ store, l1: new MemoryStore(), l1Ttl: LONG, bus }), store, bus };
      nodes.push(node);
      return node;
    }) as [TagNode, TagNode];
    await vi.waitFor(
      async () => {
        for (const node of [a, b]) expect((await node.cache.health()).bus).toBe('connected');
      },
      { timeout: 10_000, interval: 20 },
    );
    return { a, b };
  };

  /** Waits (at most the bound) until `read` on A shows `expected`; resolves how long that took. */
  const within = async (read: () => Promise<unknown>, expected: unknown): Promise<number> => {
    const started = performance.now();
    await vi.waitFor(async () => expect(await read()).toEqual(expected), {
      timeout: setup.boundMs,
      interval: 5,
    });
    return performance.now() - started;
  };

  it(`${setup.title}: B's deleteByTag stops A serving its L1 copies of the tagged entries within ${setup.boundMs} ms`, async () => {
    const { a, b } = await twoNodes();
    await b.cache.set('profile', 'v1', LONG, { tags: ['user:42'] });
    await b.cache.set('orders', [1, 2], LONG, { tags: ['user:42', 'orders'] });
    await b.cache.set('other', 'user 7', LONG, { tags: ['user:7'] });
    await b.cache.set('plain', 'untagged', LONG);
    const keys = ['profile', 'orders', 'other', 'plain'];
    const values = ['v1', [1, 2], 'user 7', 'untagged'];
    await holdInL1(a, (cache) => cache.getMany(keys), values);

    await b.cache.deleteByTag('user:42');
    const lag = await within(() => a.cache.getMany(['profile', 'orders']), [undefined, undefined]);
    expect((await a.cache.health()).bus, 'the bus, not a trust timeout').toBe('connected');
    // Only the bumped tag's version was dropped: the other entries need no store call
    // (and every earlier message of B's has arrived: the bus keeps B's order).
    await expectFromL1(a, (cache) => cache.getMany(['other', 'plain']), ['user 7', 'untagged']);
    await b.cache.set('profile', 'v2', LONG, { tags: ['user:42'] });
    await within(() => a.cache.get('profile'), 'v2');
    console.info(`[tags ${setup.title}] deleteByTag on another node seen after ${lag.toFixed(1)} ms`);
  }, 30_000);

  it(`${setup.title}: B's ns.flush() stops A serving its L1 copies of the namespace (and nested ones) within ${setup.boundMs} ms`, async () => {
    const { a, b } = await twoNodes();
    const views = (cache: Cache) => {
      const shop = cache.namespace('shop');
      return { shop, eu: shop.namespace('eu'), blog: cache.namespace('blog'), root: cache };
    };
    const onB = views(b.cache);
    await onB.shop.set('cart', 'shop cart', LONG);
    await onB.eu.set('cart', 'eu cart', LONG);
    await onB.blog.set('cart', 'blog cart', LONG);
    await onB.root.set('cart', 'root cart', LONG);
    const readAll = async (cache: Cache) => {
      const { shop, eu, blog, root } = views(cache);
      return [await shop.get('cart'), await eu.get('cart'), await blog.get('cart'), await root.get('cart')];
    };
    const all = ['shop cart', 'eu cart', 'blog cart', 'root cart'];
    await holdInL1(a, readAll, all);

    await onB.shop.flush();
    const onA = views(a.cache);
    const lag = await within(
      async () => [await onA.shop.get('cart'), await onA.eu.get('cart')],
      [undefined, undefined],
    );
    expect((await a.cache.health()).bus, 'the bus, not a trust timeout').toBe('connected');
    await expectFromL1(a, async () => [await onA.blog.get('cart'), await onA.root.get('cart')], [
      'blog cart',
      'root cart',
    ]);
    console.info(`[tags ${setup.title}] ns.flush() on another node seen after ${lag.toFixed(1)} ms`);
  }, 30_000);

  it(`${setup.title}: after B's expireByTag, A's plain get misses within ${setup.boundMs} ms while remember with grace serves the stale value`, async () => {
    const { a, b } = await twoNodes();
    const options = { tags: ['catalog'], grace: '1h' } as const;
    expect(await a.cache.remember('price', LONG, () => 10, options)).toBe(10);
    // A hit in L1: the failing factory is not called, and the store is not asked.
    await holdInL1(a, (cache) => cache.remember('price', LONG, failing, options), 10);

    await b.cache.expireByTag('catalog');
    await within(() => a.cache.get('price'), undefined);
    expect(await a.cache.remember('price', LONG, failing, options), 'the fail-safe fallback').toBe(10);
    expect(await b.cache.get('price'), 'a plain miss on B too').toBeUndefined();
  }, 30_000);
}
