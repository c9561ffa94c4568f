import { type Cache, InvalidArgumentError, type Store } from '@cache/core';
import { expect, vi } from 'vitest';
import { recordingStore } from '../../faults/recording-store.js';
import type { CacheCheck } from '../check.js';
import type { CacheHarness } from '../harness.js';

const LONG = '1h';
const TEN_MINUTES = 600_000;

/** Store calls of any kind a recorder saw while `run` ran. */
async function storeCallsOf(
  store: ReturnType<typeof recordingStore>,
  run: () => Promise<void>,
): Promise<number> {
  store.reset();
  await run();
  return store.calls.length;
}

/**
 * Two caches over one backend, like two processes: on a shared store two stores
 * on one prefix, on an in-process store the same store. Versions are re-read on
 * every read (`tagCheckInterval: 0`) so that what one does is seen by the other at
 * once, with or without a bus.
 */
async function twoProcesses(h: CacheHarness): Promise<{ a: Cache; b: Cache }> {
  const prefix = h.prefix();
  const first = await h.store(prefix);
  const { cache: a, capabilities } = await h.open({ tagCheckInterval: 0 }, first);
  const second: Store = capabilities.shared ? await h.store(prefix) : first;
  const { cache: b } = await h.open({ tagCheckInterval: 0 }, second);
  return { a, b };
}

/** Runs `body` with `Date.now()` shifted by `offsetMs` (a node whose clock is off). */
async function withClockOffset<T>(offsetMs: number, body: () => Promise<T>): Promise<T> {
  const realNow = Date.now.bind(Date);
  const spy = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + offsetMs);
  try {
    return await body();
  } finally {
    spy.mockRestore();
  }
}

/** Tags (`deleteByTag`, `expireByTag`) and namespaces, on every driver. */
export const tagChecks: readonly CacheCheck[] = [
  {
    name: 'tags: deleteByTag hides every entry with one of the tags and leaves the others',
    async run(h) {
      const { cache } = await h.open();
      await cache.set('a', 'A', LONG, { tags: ['t1'] });
      await cache.set('b', 'B', LONG, { tags: ['t2'] });
      await cache.set('c', 'C', LONG, { tags: ['t1', 't2'] });
      await cache.set('d', 'D', LONG);
      await cache.setMany([{ key: 'e', value: 'E', tags: ['t3'] }]);
      expect(await cache.getMany(['a', 'b', 'c', 'd', 'e']), 'tagged entries round-trip').toEqual([
        'A',
        'B',
        'C',
        'D',
        'E',
      ]);
      await cache.deleteByTag('t1');
      expect(await cache.getMany(['a', 'b', 'c', 'd', 'e'])).toEqual([undefined, 'B', undefined, 'D', 'E']);
      expect(await cache.get('a'), 'get after deleteByTag').toBeUndefined();
      await cache.deleteByTag(['t2', 't3']);
      expect(await cache.getMany(['b', 'd', 'e'])).toEqual([undefined, 'D', undefined]);
      await cache.deleteByTag('never-used');
      expect(await cache.get('d'), 'an untagged entry survives every deleteByTag').toBe('D');
    },
  },
  {
    name: 'tags: a value re-set after deleteByTag is visible, and remember recomputes',
    async run(h) {
      const { cache } = await h.open();
      await cache.set('k', 'old', LONG, { tags: ['user:42'] });
      await cache.deleteByTag('user:42');
      await cache.set('k', 'new', LONG, { tags: ['user:42'] });
      expect(await cache.get('k')).toBe('new');
      let calls = 0;
      const factory = () => `v${++calls}`;
      expect(await cache.remember('r', LONG, factory, { tags: ['user:42'] })).toBe('v1');
      expect(await cache.remember('r', LONG, factory, { tags: ['user:42'] }), 'a hit').toBe('v1');
      await cache.deleteByTag('user:42');
      expect(await cache.remember('r', LONG, factory, { tags: ['user:42'] }), 'recomputed').toBe('v2');
      expect(calls).toBe(2);
      // Tags a factory adds from what it computed.
      const tagged = await cache.remember('s', LONG, (ctx) => {
        ctx.addTags(['org:7']);
        return 'from factory';
      });
      expect(tagged).toBe('from factory');
      await cache.deleteByTag('org:7');
      expect(await cache.get('s'), 'a tag added by the factory').toBeUndefined();
    },
  },
  {
    name: 'tags: rememberMany tags every entry it writes (option tags and ctx.addTags per key)',
    async run(h) {
      const { cache } = await h.open();
      const values = await cache.rememberMany(
        ['x', 'y'],
        LONG,
        (keys, ctx) => {
          ctx.addTags('y', 'only-y');
          return keys.map((key) => key.toUpperCase());
        },
        { tags: ['batch'] },
      );
      expect(values).toEqual(['X', 'Y']);
      await cache.deleteByTag('only-y');
      expect(await cache.getMany(['x', 'y'])).toEqual(['X', undefined]);
      await cache.deleteByTag('batch');
      expect(await cache.get('x')).toBeUndefined();
    },
  },
  {
    name: 'tags: deleteByTag costs the same few store calls for 10 or 300 tagged entries',
    async run(h) {
      const recorder = recordingStore(await h.store());
      const { cache } = await h.open({}, recorder);
      const costs: number[] = [];
      for (const [tag, count] of [
        ['few', 10],
        ['many', 300],
      ] as const) {
        await cache.setMany(
          Array.from({ length: count }, (_, i) => ({ key: `${tag}:${i}`, value: i, tags: [tag] })),
        );
        costs.push(await storeCallsOf(recorder, () => cache.deleteByTag(tag)));
        expect(await cache.get(`${tag}:${count - 1}`), `${tag}: invalidated`).toBeUndefined();
      }
      expect(costs[0], 'store calls of one deleteByTag').toBeLessThanOrEqual(1);
      expect(costs[1], 'independent of the number of entries').toBe(costs[0]);
      expect(await storeCallsOf(recorder, () => cache.deleteByTag(['p', 'q', 'r'])), 'one per tag').toBe(3);
    },
  },
  {
    name: 'tags: deleted entries are no fail-safe fallback; expireByTag leaves them as one',
    async run(h) {
      const { cache } = await h.open();
      const failing = (): never => {
        throw new Error('source down');
      };
      await cache.set('del', 'kept?', LONG, { tags: ['d'] });
      await cache.deleteByTag('d');
      await expect(cache.remember('del', LONG, failing, { grace: LONG })).rejects.toThrow('source down');
      await cache.rememberStale('exp', LONG, LONG, () => 'last good', { tags: ['e'] });
      await cache.expireByTag('e');
      expect(await cache.get('exp'), 'an expired entry is a plain miss').toBeUndefined();
      expect(await cache.rememberStale('exp', LONG, LONG, failing, { tags: ['e'] })).toEqual({
        value: 'last good',
        stale: true,
      });
      expect(
        await cache.remember('exp', LONG, () => 'fresh', { tags: ['e'] }),
        'recomputed once the source is back',
      ).toBe('fresh');
      expect(await cache.get('exp')).toBe('fresh');
      await cache.deleteByTag('e');
      await expect(cache.rememberStale('exp', LONG, LONG, failing)).rejects.toThrow('source down');
    },
  },
  {
    name: 'tags: invalid tags and namespace names are refused with a typed error and nothing is written',
    async run(h) {
      const { cache } = await h.open();
      const invalid: unknown[] = [[''], ['\u001fx'], 7, [42], Array.from({ length: 65 }, (_, i) => `t${i}`)];
      for (const tags of invalid) {
        await expect(
          cache.set('k', 'v', LONG, { tags: tags as string[] }),
          `tags ${JSON.stringify(tags)}`,
        ).rejects.toBeInstanceOf(InvalidArgumentError);
      }
      expect(await cache.get('k'), 'nothing written').toBeUndefined();
      await expect(cache.deleteByTag([''])).rejects.toBeInstanceOf(InvalidArgumentError);
      for (const name of ['', 'a\u001fb', '\uD800']) {
        expect(() => cache.namespace(name), `namespace ${JSON.stringify(name)}`).toThrow(
          InvalidArgumentError,
        );
      }
    },
  },
  {
    name: 'tags: an entry whose tag version disappeared from the store reads as a miss',
    async run(h, test) {
      const store = await h.store();
      const { cache, capabilities } = await h.open({ tagCheckInterval: 0 }, store);
      if (!capabilities.shared)
        test.skip('an in-process store: the versions this process holds are the only ones');
      await cache.set('k', 'v', LONG, { tags: ['gone'] });
      expect(await cache.get('k')).toBe('v');
      // Evicted or removed behind the cache's back: it never comes back as a match.
      await store.delete('\u001ftag:gone');
      expect(await cache.get('k')).toBeUndefined();
      await cache.set('k', 'v2', LONG, { tags: ['gone'] });
      expect(await cache.get('k'), 'a new write creates the version again').toBe('v2');
    },
  },
  {
    name: 'tags: a node whose clock is 10 minutes off, either way, still honours deleteByTag',
    async run(h) {
      const { a, b } = await twoProcesses(h);
      // The writer's clock runs ahead: with timestamps its entries would outlive the delete.
      await withClockOffset(TEN_MINUTES, () => a.set('ahead', 1, LONG, { tags: ['skew'] }));
      await a.set('normal', 2, LONG, { tags: ['skew'] });
      expect(await b.getMany(['ahead', 'normal'])).toEqual([1, 2]);
      // The deleter's clock runs behind: with timestamps its delete would predate the entries.
      await withClockOffset(-TEN_MINUTES, () => b.deleteByTag('skew'));
      expect(await a.getMany(['ahead', 'normal']), 'on the writer').toEqual([undefined, undefined]);
      expect(await b.getMany(['ahead', 'normal']), 'on the deleter').toEqual([undefined, undefined]);
      await withClockOffset(-TEN_MINUTES, () => b.set('later', 3, LONG, { tags: ['skew'] }));
      expect(await a.get('later'), 'written after the delete, by the slow clock').toBe(3);
    },
  },
  {
    name: 'namespaces: keys are isolated between namespaces, nested namespaces and the root',
    async run(h) {
      const { cache } = await h.open();
      const a = cache.namespace('a');
      const ab = a.namespace('b');
      const b = cache.namespace('b');
      await cache.set('k', 'root', LONG);
      await a.set('k', 'a', LONG);
      await ab.set('k', 'a.b', LONG);
      await b.set('k', 'b', LONG);
      expect([await cache.get('k'), await a.get('k'), await ab.get('k'), await b.get('k')]).toEqual([
        'root',
        'a',
        'a.b',
        'b',
      ]);
      expect(await a.remember('r', LONG, (ctx) => ctx.key), 'the factory sees the view key').toBe('r');
      expect(await cache.get('r'), 'not in the root').toBeUndefined();
      expect(await a.rememberMany(['m1', 'm2'], LONG, (keys) => keys.map((k) => `${k}!`))).toEqual([
        'm1!',
        'm2!',
      ]);
      expect(await a.getMany(['m1', 'm2', 'k'])).toEqual(['m1!', 'm2!', 'a']);
      await a.delete('k');
      expect([await cache.get('k'), await a.get('k'), await ab.get('k')]).toEqual(['root', undefined, 'a.b']);
      // Tags are the view's own.
      await cache.set('t', 'root', LONG, { tags: ['shared'] });
      await a.set('t', 'a', LONG, { tags: ['shared'] });
      await a.deleteByTag('shared');
      expect([await cache.get('t'), await a.get('t')]).toEqual(['root', undefined]);
      await a.setString('s', 'text', LONG);
      expect(await a.getString('s')).toBe('text');
      expect(await cache.getString('s')).toBeUndefined();
    },
  },
  {
    name: 'namespaces: flush removes the namespace and those nested in it in one store call; neighbours and the root survive',
    async run(h) {
      const recorder = recordingStore(await h.store());
      const { cache } = await h.open({}, recorder);
      const products = cache.namespace('products');
      const eu = products.namespace('eu');
      const sessions = cache.namespace('sessions');
      await products.setMany(Array.from({ length: 50 }, (_, i) => ({ key: `p${i}`, value: i })));
      await eu.set('p0', 'eu', LONG);
      await sessions.set('s', 'session', LONG);
      await cache.set('p0', 'root', LONG);
      expect(await storeCallsOf(recorder, () => products.flush()), 'store calls of a namespace flush').toBe(
        1,
      );
      expect(await products.getMany(['p0', 'p49'])).toEqual([undefined, undefined]);
      expect(await eu.get('p0'), 'a nested namespace goes with it').toBeUndefined();
      expect(await sessions.get('s'), 'a neighbour namespace survives').toBe('session');
      expect(await cache.get('p0'), 'the root survives').toBe('root');
      await products.set('p0', 'again', LONG);
      expect(await products.get('p0'), 'a write after the flush').toBe('again');
      await eu.flush();
      expect(await products.get('p0'), 'flushing a child leaves the parent').toBe('again');
      expect(await eu.add('p0', 'added', LONG), 'add over a flushed entry').toBe(true);
      expect(await eu.get('p0')).toBe('added');
    },
  },
  {
    name: 'namespaces: two caches over one backend share a namespace; a flush on one is seen by the other',
    async run(h) {
      const { a, b } = await twoProcesses(h);
      await a.namespace('shop').set('cart', ['apple'], LONG);
      await a.namespace('shop').namespace('eu').set('vat', 20, LONG);
      await a.namespace('other').set('cart', 'other', LONG);
      expect(await b.namespace('shop').get('cart')).toEqual(['apple']);
      expect(await b.namespace('shop').namespace('eu').get('vat')).toBe(20);
      await b.namespace('shop').flush();
      expect(await a.namespace('shop').get('cart'), 'flushed by the other cache').toBeUndefined();
      expect(await a.namespace('shop').namespace('eu').get('vat')).toBeUndefined();
      expect(await a.namespace('other').get('cart'), 'a neighbour namespace survives').toBe('other');
      await b.namespace('shop').set('cart', ['pear'], LONG);
      expect(await a.namespace('shop').get('cart')).toEqual(['pear']);
    },
  },
];
