import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import {
  Cache,
  type CacheEvent,
  ConfigError,
  DecryptionError,
  InvalidArgumentError,
  type StoreCapabilities,
  utf8,
} from '../src/index.js';
import { MapStore } from './support/map-store.js';

/** A MapStore that says it is shared, so each cache over it keeps its own version cache (like processes). */
class SharedMapStore extends MapStore {
  override readonly capabilities: StoreCapabilities = { shared: true, durable: false, ttlResolutionMs: 1 };
}

const VERSION_KEY = (name: string) => `\u001ftag:${name}`;

describe('tags: versions in the store', () => {
  it('creates a version on first use with a random start, and bumps it by a constant step', async () => {
    const store = new SharedMapStore();
    const cache = new Cache({ store });
    await cache.set('k', 1, '1m', { tags: ['t'] });
    const start = Number(new TextDecoder().decode(await store.get(VERSION_KEY('t'))));
    expect(Number.isSafeInteger(start)).toBe(true);
    expect(start % 2 ** 24, 'a multiple of the delete step').toBe(0);
    expect(start).toBeGreaterThanOrEqual(2 ** 44);
    await cache.expireByTag('t');
    await cache.deleteByTag('t');
    const after = Number(new TextDecoder().decode(await store.get(VERSION_KEY('t'))));
    expect(after - start).toBe(2 ** 24 + 1);
  });

  it('two caches writing a new tag at once agree on one version', async () => {
    const store = new SharedMapStore();
    const [a, b] = [new Cache({ store, tagCheckInterval: 0 }), new Cache({ store, tagCheckInterval: 0 })];
    await Promise.all([
      a.set('x', 'a', '1m', { tags: ['fresh'] }),
      b.set('y', 'b', '1m', { tags: ['fresh'] }),
    ]);
    expect(await a.getMany(['x', 'y'])).toEqual(['a', 'b']);
    expect(await b.getMany(['x', 'y'])).toEqual(['a', 'b']);
  });

  it('a version key holding something else reads as changed: the entries are misses', async () => {
    const store = new SharedMapStore();
    const cache = new Cache({ store, tagCheckInterval: 0 });
    await cache.set('k', 'v', '1m', { tags: ['t'] });
    await store.set(VERSION_KEY('t'), utf8('not a number'), 0);
    expect(await cache.get('k')).toBeUndefined();
  });

  it('without a bus, another cache sees a deleteByTag within tagCheckInterval, and at once with 0', async () => {
    const store = new SharedMapStore();
    const writer = new Cache({ store });
    const bounded = new Cache({ store, tagCheckInterval: 100 });
    const strict = new Cache({ store, tagCheckInterval: 0 });
    await writer.set('k', 'v', '1m', { tags: ['t'] });
    expect(await bounded.get('k')).toBe('v');
    expect(await strict.get('k')).toBe('v');
    const deletedAt = Date.now();
    await writer.deleteByTag('t');
    expect(await strict.get('k'), 'strict: at once').toBeUndefined();
    await vi.waitFor(async () => expect(await bounded.get('k')).toBeUndefined(), {
      interval: 10,
      timeout: 2_000,
    });
    expect(Date.now() - deletedAt, 'bounded by the interval (plus polling)').toBeLessThan(1_000);
  });

  it('reads of one tagged entry cost no version read while versions are trusted', async () => {
    const store = new SharedMapStore();
    const cache = new Cache({ store, tagCheckInterval: '1m' });
    await cache.set('k', 'v', '1m', { tags: ['a', 'b'] });
    store.calls.length = 0;
    for (let i = 0; i < 5; i++) expect(await cache.get('k')).toBe('v');
    expect(store.count('get'), 'one store read per get').toBe(5);
    expect(store.count('getMany'), 'no version reads').toBe(0);
  });

  it('rejects a bad tagCheckInterval with a ConfigError', () => {
    const store = new MapStore();
    expect(() => new Cache({ store, tagCheckInterval: -1 })).toThrow(ConfigError);
    expect(() => new Cache({ store, tagCheckInterval: 'soon' as never })).toThrow(ConfigError);
  });
});

describe('tags: envelope', () => {
  it('versions are authenticated with encryption: a planted version is a DecryptionError', async () => {
    const store = new MapStore();
    const cache = new Cache({ store, encryption: { key: randomBytes(32) } });
    await cache.set('k', 'secret', '1m', { tags: ['t'] });
    const bytes = (await store.get('k')) as Uint8Array;
    // Flip one byte of the recorded version (inside the authenticated header).
    const tampered = Uint8Array.from(bytes);
    const at = Buffer.from(tampered).indexOf(Buffer.from('t')) - 1; // last byte of the version
    tampered[at - 3] = (tampered[at - 3] as number) ^ 0x01;
    await store.set('k', tampered, 60_000);
    await expect(cache.get('k')).rejects.toBeInstanceOf(DecryptionError);
  });

  it('long tags and deeply nested namespaces work (long version names are recorded as digests)', async () => {
    const cache = new Cache({ store: new MapStore() });
    const long = 'x'.repeat(256);
    let view = cache;
    for (let depth = 0; depth < 5; depth++) view = view.namespace(`${long.slice(0, 250)}${depth}`);
    await view.set('k', 'deep', '1m', { tags: [long] });
    expect(await view.get('k')).toBe('deep');
    await view.deleteByTag(long);
    expect(await view.get('k')).toBeUndefined();
    await view.set('k', 'again', '1m');
    await cache.namespace(`${long.slice(0, 250)}0`).flush();
    expect(await view.get('k'), 'flushing the outermost namespace').toBeUndefined();
  });
});

describe('tags: factories and validation', () => {
  it('an invalid tag added by a factory rejects the call and caches nothing', async () => {
    const cache = new Cache({ store: new MapStore() });
    await expect(
      cache.remember('k', '1m', (ctx) => {
        ctx.addTags('\u001fbad');
        return 1;
      }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(
      cache.remember('k', '1m', (ctx) => {
        ctx.addTags(Array.from({ length: 65 }, (_, i) => `t${i}`));
        return 1;
      }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(
      cache.rememberMany(['a'], '1m', (keys, ctx) => {
        ctx.addTags('not-computed', 't');
        return keys;
      }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(await cache.getMany(['k', 'a'])).toEqual([undefined, undefined]);
  });

  it('a deleteByTag while the factory runs invalidates what it returns (versions read before it starts)', async () => {
    const cache = new Cache({ store: new MapStore() });
    const value = await cache.remember(
      'k',
      '1m',
      async () => {
        await cache.deleteByTag('t');
        return 'computed from old data';
      },
      { tags: ['t'] },
    );
    expect(value, 'the caller still gets its value').toBe('computed from old data');
    expect(await cache.get('k'), 'but it is not served afterwards').toBeUndefined();
  });
});

describe('namespaces: views', () => {
  it('report the caller key to the observer, and close() on a view closes nothing', async () => {
    const events: CacheEvent[] = [];
    const store = new MapStore();
    const cache = new Cache({ store, observer: (e) => events.push(e) });
    const ns = cache.namespace('ns');
    await ns.set('k', 1);
    expect(events.at(-1)).toMatchObject({ op: 'set', key: 'k' });
    expect([...store.rows.keys()]).toContain('\u001fns:ns\u001fk');
    await ns.close();
    expect(await cache.get('k')).toBeUndefined();
    expect(await ns.get('k'), 'still open').toBe(1);
  });

  it('locks, counters and rate limits of a namespace are its own, and survive its flush', async () => {
    const cache = new Cache({ store: new MapStore() });
    const ns = cache.namespace('jobs');
    const lock = await ns.tryLock('nightly', '1m');
    expect(lock).toBeDefined();
    expect(await cache.tryLock('nightly', '1m'), 'the root lock of that name is another lock').toBeDefined();
    expect(await ns.increment('n')).toBe(1);
    expect(await cache.increment('n')).toBe(1);
    await ns.flush();
    expect(await ns.tryLock('nightly', '1m'), 'the lock is still held').toBeUndefined();
    expect(await ns.increment('n')).toBe(2);
  });
});
