import { Cache, isReferenceStore, MISS, type ReferenceStore, StoreError, utf8 } from '@cache/core';
import { describe, expect, it } from 'vitest';
import {
  DATA_OPERATIONS,
  failingStore,
  flakyStore,
  recordingStore,
  STORE_OPERATIONS,
  withLatency,
} from '../src/index.js';
import { MapStore } from './map-store.js';

/** A MapStore that also claims the by-reference interface, to check the wrappers hide it. */
class ReferenceMapStore extends MapStore implements ReferenceStore {
  readonly referenceValues = true;
  private readonly refs = new Map<string, unknown>();
  peekValue(key: string): unknown {
    return this.refs.has(key) ? this.refs.get(key) : MISS;
  }
  putValue(key: string, value: unknown): void {
    this.refs.set(key, value);
  }
  addValue(key: string, value: unknown): boolean {
    if (this.refs.has(key)) return false;
    this.refs.set(key, value);
    return true;
  }
}

const wrappers = {
  withLatency: (s: MapStore) => withLatency(s, { ms: 0 }),
  failingStore: (s: MapStore) => failingStore(s),
  flakyStore: (s: MapStore) => flakyStore(s, { failEvery: 2 }),
  recordingStore: (s: MapStore) => recordingStore(s),
};

describe('every fault wrapper', () => {
  it.each(Object.entries(wrappers))(
    '%s forwards name and capabilities but hides the by-reference interface',
    (_, wrap) => {
      const inner = new ReferenceMapStore({ capabilities: { ttlResolutionMs: 1000, maxValueBytes: 42 } });
      expect(isReferenceStore(inner), 'control: the inner store is a ReferenceStore').toBe(true);
      const wrapped = wrap(inner);
      expect(wrapped.name).toBe('map');
      expect(wrapped.capabilities).toEqual(inner.capabilities);
      expect(isReferenceStore(wrapped)).toBe(false);
      expect('peekValue' in wrapped).toBe(false);
    },
  );

  it('lists the Store methods it intercepts', () => {
    expect(STORE_OPERATIONS).toHaveLength(11);
    expect(DATA_OPERATIONS).not.toContain('close');
  });
});

describe('withLatency', () => {
  it('delays each operation by a fixed number of ms', async () => {
    const store = withLatency(new MapStore(), { ms: 40 });
    const started = performance.now();
    await store.set('k', utf8('v'), 60_000);
    expect(await store.get('k')).toEqual(utf8('v'));
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
  });

  it('takes a per-operation delay and never delays close by default', async () => {
    const store = withLatency(new MapStore(), { ms: (op) => (op === 'get' ? 60 : 0) });
    let started = performance.now();
    await store.set('k', utf8('v'), 60_000);
    expect(performance.now() - started, 'set is not delayed').toBeLessThan(40);
    started = performance.now();
    await store.get('k');
    expect(performance.now() - started, 'get is delayed').toBeGreaterThanOrEqual(55);
    const fixed = withLatency(new MapStore(), { ms: 500 });
    started = performance.now();
    await fixed.close();
    expect(performance.now() - started, 'close is not delayed').toBeLessThan(100);
  });

  it('an abort during the delay rejects with the reason and never reaches the inner store', async () => {
    const inner = recordingStore(new MapStore());
    const store = withLatency(inner, { ms: 5_000 });
    const controller = new AbortController();
    const pending = store.set('k', utf8('v'), 60_000, { signal: controller.signal });
    const reason = new Error('gave up');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    const alreadyAborted = store.get('k', { signal: controller.signal });
    await expect(alreadyAborted).rejects.toBe(reason);
    expect(inner.calls).toEqual([]);
  });

  it('rejects a negative delay with ConfigError', () => {
    expect(() => withLatency(new MapStore(), { ms: -1 })).toThrow(
      expect.objectContaining({ code: 'CACHE_INVALID_CONFIG' }),
    );
  });
});

describe('failingStore', () => {
  it('rejects every data operation with a StoreError without reaching the inner store', async () => {
    const inner = recordingStore(new MapStore());
    const store = failingStore(inner);
    const calls: [string, () => Promise<unknown>][] = [
      ['get', () => store.get('k')],
      ['getMany', () => store.getMany(['k'])],
      ['set', () => store.set('k', utf8('v'), 1000)],
      ['setMany', () => store.setMany([{ key: 'k', value: utf8('v'), ttl: 1000 }])],
      ['add', () => store.add('k', utf8('v'), 1000)],
      ['increment', () => store.increment('k', 1, 1000)],
      ['delete', () => store.delete('k')],
      ['deleteMany', () => store.deleteMany(['k'])],
      ['deleteIfEquals', () => store.deleteIfEquals('k', utf8('v'))],
      ['flush', () => store.flush()],
    ];
    for (const [op, call] of calls) {
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, op).toBeInstanceOf(StoreError);
      expect((error as StoreError).operation).toBe(op);
      expect((error as StoreError).driver).toBe('map');
      expect((error as StoreError).cause).toBeInstanceOf(Error);
    }
    expect(store.failures).toBe(10);
    expect(inner.calls).toEqual([]);
    await expect(store.close(), 'close is not failed by default').resolves.toBeUndefined();
  });

  it('fails only the listed operations, with the given error as cause, until failing is switched off', async () => {
    const inner = new MapStore();
    const root = new Error('ECONNREFUSED');
    const store = failingStore(inner, { operations: ['get'], error: () => root });
    await store.set('k', utf8('v'), 60_000);
    await expect(store.get('k')).rejects.toMatchObject({ code: 'CACHE_STORE_ERROR', cause: root });
    store.failing = false;
    expect(await store.get('k')).toEqual(utf8('v'));
  });

  it('passes a StoreError from the factory through unchanged', async () => {
    const own = new StoreError('map', 'get', new Error('custom'));
    const store = failingStore(new MapStore(), { error: () => own });
    await expect(store.get('k')).rejects.toBe(own);
  });

  it('rejects unknown operation names with ConfigError', () => {
    expect(() => failingStore(new MapStore(), { operations: ['gte' as 'get'] })).toThrow(
      expect.objectContaining({ code: 'CACHE_INVALID_CONFIG' }),
    );
  });

  it('makes the facade raise CACHE_STORE_ERROR, and rememberStale still answers from the factory', async () => {
    const cache = new Cache({ store: failingStore(new MapStore()) });
    await expect(cache.get('k')).rejects.toMatchObject({ code: 'CACHE_STORE_ERROR' });
    expect(await cache.rememberStale('k', '1m', '1m', () => 'computed')).toEqual({
      value: 'computed',
      stale: false,
    });
  });
});

describe('flakyStore', () => {
  it('fails exactly every n-th matching call', async () => {
    const store = flakyStore(new MapStore(), { failEvery: 3 });
    const outcomes: boolean[] = [];
    for (let i = 0; i < 9; i++) {
      outcomes.push(
        await store.get('k').then(
          () => true,
          () => false,
        ),
      );
    }
    expect(outcomes).toEqual([true, true, false, true, true, false, true, true, false]);
    expect(store.calls).toBe(9);
    expect(store.failures).toBe(3);
  });

  it('counts only the listed operations and fails with StoreError', async () => {
    const store = flakyStore(new MapStore(), { failEvery: 2, operations: ['set'] });
    await store.set('a', utf8('1'), 60_000);
    await store.get('a');
    await store.get('a');
    await expect(store.set('b', utf8('2'), 60_000)).rejects.toBeInstanceOf(StoreError);
    expect(await store.get('b'), 'the failed set wrote nothing').toBeUndefined();
    await store.set('c', utf8('3'), 60_000);
    expect(store.calls).toBe(3);
  });

  it('rejects a failEvery that is not a positive integer', () => {
    for (const failEvery of [0, -1, 1.5, Number.NaN]) {
      expect(() => flakyStore(new MapStore(), { failEvery }), String(failEvery)).toThrow(
        expect.objectContaining({ code: 'CACHE_INVALID_CONFIG' }),
      );
    }
  });
});

describe('recordingStore', () => {
  it('records op, key(s) and ttl of every call in order, failed ones included', async () => {
    const store = recordingStore(failingStore(new MapStore(), { operations: ['flush'] }));
    await store.set('a', utf8('1'), 1000);
    await store.setMany([
      { key: 'b', value: utf8('2'), ttl: 2000 },
      { key: 'c', value: utf8('3'), ttl: 0 },
    ]);
    await store.getMany(['a', 'b']);
    await store.increment('n', 1, 3000);
    await store.deleteIfEquals('a', utf8('1'));
    await store.flush().catch(() => undefined);
    expect(store.calls).toEqual([
      { op: 'set', key: 'a', ttl: 1000 },
      { op: 'setMany', keys: ['b', 'c'], ttls: [2000, 0] },
      { op: 'getMany', keys: ['a', 'b'] },
      { op: 'increment', key: 'n', ttl: 3000 },
      { op: 'deleteIfEquals', key: 'a' },
      { op: 'flush' },
    ]);
    expect(store.callsOf('set')).toHaveLength(1);
    store.reset();
    expect(store.calls).toEqual([]);
  });

  it('shows remember doing one read and one write on a miss, one read on a hit', async () => {
    const store = recordingStore(new MapStore());
    const cache = new Cache({ store });
    await cache.remember('k', '1m', () => 42);
    expect(store.calls.map((c) => `${c.op}:${c.key}`)).toEqual(['get:k', 'set:k']);
    store.reset();
    expect(await cache.remember('k', '1m', () => 0)).toBe(42);
    expect(store.calls.map((c) => c.op)).toEqual(['get']);
  });
});
