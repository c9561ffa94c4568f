import { subscribe, tracingChannel, unsubscribe } from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Cache,
  type CacheCallContext,
  type CacheEvent,
  CHANNELS,
  InvalidArgumentError,
  StoreError,
  type StoreCallContext,
} from '../src/index.js';
import { MapStore } from './support/map-store.js';

const failing = (): never => {
  throw new Error('source down');
};

describe('stats()', () => {
  it('counts exactly: 1 miss + 2 hits of remember → hits 2, misses 1, factoryCalls 1', async () => {
    const cache = new Cache({ store: new MapStore() });
    for (let i = 0; i < 3; i++) await cache.remember('k', '1m', () => 'v');
    const stats = cache.stats();
    expect(stats).toMatchObject({ hits: 2, misses: 1, staleHits: 0, factoryCalls: 1, writes: 1 });
    expect(stats.l2Hits, 'no L1: the store answered').toBe(2);
    expect(stats.hitRatio).toBeCloseTo(2 / 3);
  });

  it('counts get, getMany, pull, writes and deletes per key', async () => {
    const cache = new Cache({ store: new MapStore() });
    await cache.set('a', 1);
    await cache.setMany([
      { key: 'b', value: 2 },
      { key: 'c', value: 3 },
    ]);
    await cache.get('a');
    await cache.get('missing');
    await cache.getMany(['a', 'b', 'nope']);
    await cache.pull('c');
    await cache.deleteMany(['a', 'b']);
    expect(cache.stats()).toMatchObject({ hits: 4, misses: 2, writes: 3, deletes: 3 });
    cache.resetStats();
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 0, writes: 0, deletes: 0, hitRatio: 0 });
  });

  it('counts fail-safe: a stale hit, a factory error, one activation; a soft timeout', async () => {
    const cache = new Cache({ store: new MapStore() });
    await cache.remember('k', 20, () => 'old', { grace: '1m' });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(await cache.remember('k', 20, failing, { grace: '1m' })).toBe('old');
    expect(cache.stats()).toMatchObject({
      staleHits: 1,
      factoryCalls: 2,
      factoryErrors: 1,
      failSafeActivations: 1,
    });
    // A key in fail-safe backoff is served stale without a factory call.
    expect(await cache.remember('k', 20, failing, { grace: '1m' })).toBe('old');
    expect(cache.stats()).toMatchObject({ staleHits: 2, factoryCalls: 2, failSafeActivations: 1 });
    await cache.remember('s', 20, () => 'old', { grace: '1m' });
    await new Promise((resolve) => setTimeout(resolve, 30));
    const slow = () => new Promise((resolve) => setTimeout(() => resolve('new'), 200));
    expect(await cache.remember('s', 20, slow, { grace: '1m', softTimeout: 10 })).toBe('old');
    expect(cache.stats()).toMatchObject({ factoryTimeouts: 1, staleHits: 3, failSafeActivations: 1 });
  });

  it('counts store errors: outages, not bad input', async () => {
    const store = new MapStore();
    const cache = new Cache({ store });
    store.failWith = new StoreError('map', 'get', new Error('down'));
    await expect(cache.get('k')).rejects.toBeInstanceOf(StoreError);
    await expect(cache.get('\u001fk')).rejects.toThrow();
    expect(cache.stats().storeErrors).toBe(1);
  });

  it('is shared by namespace views', async () => {
    const cache = new Cache({ store: new MapStore() });
    await cache.namespace('a').set('k', 1);
    await cache.namespace('a').get('k');
    expect(cache.stats()).toMatchObject({ writes: 1, hits: 1 });
  });
});

describe('on() / off()', () => {
  it('delivers hit, miss, set, delete and factory:error with the caller key; off stops them', async () => {
    const cache = new Cache({ store: new MapStore() });
    const seen: string[] = [];
    const hit = (e: { key: string; tier: string }) => seen.push(`hit ${e.key} ${e.tier}`);
    cache.on('hit', hit);
    cache.on('miss', (e) => seen.push(`miss ${e.key}`));
    cache.on('set', (e) => seen.push(`set ${e.key}`));
    cache.on('delete', (e) => seen.push(`delete ${e.key}`));
    cache.on('factory:error', (e) => seen.push(`factory:error ${e.key} ${(e.error as Error).message}`));
    const ns = cache.namespace('n');
    await ns.set('k', 1);
    await ns.get('k');
    await cache.get('absent');
    await cache.delete('k');
    await expect(cache.remember('r', '1m', failing)).rejects.toThrow('source down');
    cache.off('hit', hit);
    await ns.get('k');
    expect(seen).toEqual([
      'set k',
      'hit k l2',
      'miss absent',
      'delete k',
      'factory:error r source down',
      'miss r',
    ]);
  });

  it('once delivers one event; a throwing listener never breaks the call; unknown events are refused', async () => {
    const cache = new Cache({ store: new MapStore() });
    let count = 0;
    cache.once('miss', () => count++);
    cache.on('miss', () => {
      throw new Error('listener bug');
    });
    expect(await cache.get('a')).toBeUndefined();
    expect(await cache.get('b')).toBeUndefined();
    expect(count).toBe(1);
    expect(() => cache.on('nope' as never, () => {})).toThrow(InvalidArgumentError);
    expect(() => cache.on('hit', 'x' as never)).toThrow(InvalidArgumentError);
  });
});

describe('diagnostics_channel tracing', () => {
  const unsubscribers: (() => void)[] = [];
  afterEach(() => {
    for (const off of unsubscribers.splice(0)) off();
  });

  /** Records the asyncEnd (and error) contexts published on `name`. */
  function record<C>(name: string): { ends: C[]; errors: C[]; starts: C[] } {
    const seen = { ends: [] as C[], errors: [] as C[], starts: [] as C[] };
    const handlers = {
      start: (c: unknown) => seen.starts.push(c as C),
      asyncEnd: (c: unknown) => seen.ends.push(c as C),
      error: (c: unknown) => seen.errors.push(c as C),
    };
    for (const [event, handler] of Object.entries(handlers)) {
      subscribe(`tracing:${name}:${event}`, handler);
      unsubscribers.push(() => unsubscribe(`tracing:${name}:${event}`, handler));
    }
    return seen;
  }

  it('publishes nothing, and the channels report no subscribers, until someone subscribes', () => {
    for (const name of Object.values(CHANNELS)) expect(tracingChannel(name).hasSubscribers, name).toBe(false);
  });

  it('publishes cache calls with operation, names, key, hit and tier, and the store calls beneath them', async () => {
    const calls = record<CacheCallContext>(CHANNELS.get);
    const remembers = record<CacheCallContext>(CHANNELS.remember);
    const storeCalls = record<StoreCallContext>(CHANNELS.store);
    const cache = new Cache({ store: new MapStore(), name: 'users' });
    await cache.set('k', 'v');
    await cache.namespace('eu').get('k');
    await cache.get('k');
    await cache.remember('r', '1m', () => 1);
    expect(calls.ends.map((c) => [c.operation, c.key, c.namespace, c.hit, c.tier])).toEqual([
      ['get', 'k', 'eu', false, undefined],
      ['get', 'k', undefined, true, 'l2'],
    ]);
    expect(calls.ends[1]).toMatchObject({ cache: 'users', store: 'map' });
    expect(remembers.ends.map((c) => [c.operation, c.key, c.hit])).toEqual([['remember', 'r', false]]);
    expect(storeCalls.ends.map((c) => c.operation)).toEqual(['set', 'get', 'get', 'get', 'set']);
    expect(storeCalls.ends[1]).toMatchObject({ cache: 'users', store: 'map', key: '\u001fns:eu\u001fk' });
  });

  it('sets the error of a failed call, and the observer sees the same calls', async () => {
    const calls = record<CacheCallContext>(CHANNELS.get);
    const events: CacheEvent[] = [];
    const store = new MapStore();
    const cache = new Cache({ store, observer: (e) => events.push(e) });
    store.failWith = new StoreError('map', 'get', new Error('down'));
    await expect(cache.get('k')).rejects.toBeInstanceOf(StoreError);
    expect(calls.errors).toHaveLength(1);
    expect(calls.errors[0]?.error).toBeInstanceOf(StoreError);
    expect(events.map((e) => [e.op, e.key, e.error instanceof StoreError])).toEqual([['get', 'k', true]]);
  });
});
