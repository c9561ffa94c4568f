import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../src/index.js';
import { bytes, createStore, text } from './support.js';

describe('byte interface', () => {
  it('reports its name and capabilities', () => {
    const store = createStore();
    expect(store.name).toBe('memory');
    expect(store.capabilities).toEqual({
      shared: false,
      durable: false,
      ttlResolutionMs: 1,
      maxValueBytes: undefined,
    });
  });

  it('round-trips binary values, including every byte value and the empty value', async () => {
    const store = createStore();
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    await store.set('all', all, 0);
    await store.set('empty', new Uint8Array(0), 0);
    expect(await store.get('all')).toEqual(all);
    const empty = await store.get('empty');
    expect(empty).toBeInstanceOf(Uint8Array);
    expect(empty).toHaveLength(0);
  });

  it('getMany returns values in key order with undefined for misses', async () => {
    const store = createStore();
    await store.setMany([
      { key: 'a', value: bytes('1'), ttl: 0 },
      { key: 'b', value: bytes('2'), ttl: 60_000 },
    ]);
    const values = await store.getMany(['b', 'missing', 'a', 'b']);
    expect(values.map(text)).toEqual(['2', undefined, '1', '2']);
    expect(await store.getMany([])).toEqual([]);
  });

  it('add writes only when absent', async () => {
    const store = createStore();
    expect(await store.add('k', bytes('1'), 0)).toBe(true);
    expect(await store.add('k', bytes('2'), 0)).toBe(false);
    expect(text(await store.get('k'))).toBe('1');
  });

  it('delete and deleteMany are idempotent', async () => {
    const store = createStore();
    await store.setMany(['a', 'b', 'c'].map((key) => ({ key, value: bytes(key), ttl: 0 })));
    await store.delete('a');
    await store.delete('a');
    await store.deleteMany(['b', 'missing', 'b']);
    expect(store.size).toBe(1);
    expect(text(await store.get('c'))).toBe('c');
  });

  it('deleteIfEquals deletes only on an exact byte match', async () => {
    const store = createStore();
    await store.set('lock', bytes('token-1'), 0);
    expect(await store.deleteIfEquals('lock', bytes('token-2'))).toBe(false);
    expect(await store.deleteIfEquals('lock', bytes('token-'))).toBe(false);
    expect(await store.deleteIfEquals('missing', bytes('token-1'))).toBe(false);
    expect(text(await store.get('lock'))).toBe('token-1');
    expect(await store.deleteIfEquals('lock', bytes('token-1'))).toBe(true);
    expect(await store.get('lock')).toBeUndefined();
  });

  it('flush clears this instance only', async () => {
    const a = createStore({ prefix: 'same' });
    const b = createStore({ prefix: 'same' });
    await a.set('k', bytes('a'), 0);
    a.putValue('r', 1, 0);
    await b.set('k', bytes('b'), 0);
    await a.flush();
    expect(a.size).toBe(0);
    expect(await a.get('k')).toBeUndefined();
    expect(text(await b.get('k'))).toBe('b');
    await a.set('k', bytes('again'), 0);
    expect(text(await a.get('k'))).toBe('again');
  });

  it('treats unicode, spaces and 1 KiB keys as distinct keys', async () => {
    const store = createStore();
    const keys = ['é', 'e\u0301', 'a b', ' ', '🔑', 'k'.repeat(1024), 'k'.repeat(1023)];
    for (const [i, key] of keys.entries()) await store.set(key, bytes(String(i)), 0);
    expect((await store.getMany(keys)).map(text)).toEqual(keys.map((_, i) => String(i)));
  });
});

describe('close', () => {
  it('rejects every operation afterwards with StoreClosedError and is idempotent', async () => {
    const store = new MemoryStore({ pruneInterval: 5 });
    await store.set('k', bytes('v'), 0);
    await store.close();
    await store.close();
    const closed = { code: 'CACHE_STORE_CLOSED', name: 'StoreClosedError' };
    await expect(store.get('k')).rejects.toMatchObject(closed);
    await expect(store.getMany(['k'])).rejects.toMatchObject(closed);
    await expect(store.set('k', bytes('v'), 0)).rejects.toMatchObject(closed);
    await expect(store.setMany([])).rejects.toMatchObject(closed);
    await expect(store.add('k', bytes('v'), 0)).rejects.toMatchObject(closed);
    await expect(store.increment('n', 1, 0)).rejects.toMatchObject(closed);
    await expect(store.delete('k')).rejects.toMatchObject(closed);
    await expect(store.deleteMany(['k'])).rejects.toMatchObject(closed);
    await expect(store.deleteIfEquals('k', bytes('v'))).rejects.toMatchObject(closed);
    await expect(store.flush()).rejects.toMatchObject(closed);
    expect(() => store.peekValue('k')).toThrow(expect.objectContaining(closed));
    expect(() => store.putValue('k', 1, 0)).toThrow(expect.objectContaining(closed));
    expect(() => store.addValue('k', 1, 0)).toThrow(expect.objectContaining(closed));
    expect(store.size).toBe(0);
    expect(store.prune()).toBe(0);
  });

  it('byte operations report failures as rejections, never synchronous throws', () => {
    const store = createStore();
    let promise: Promise<void> | undefined;
    expect(() => {
      promise = store.set('k', bytes('v'), -1);
    }).not.toThrow();
    return expect(promise).rejects.toMatchObject({ code: 'CACHE_INVALID_TTL' });
  });
});

describe('sweep timer', () => {
  it('is a single unref’d interval that close() clears', async () => {
    const store = new MemoryStore({ pruneInterval: 50 });
    const internals = store as unknown as { timer: { interval: ReturnType<typeof setInterval> } | undefined };
    expect(internals.timer?.interval.hasRef()).toBe(false);
    await store.close();
    expect(internals.timer).toBeUndefined();
  });

  it('is not started with pruneInterval 0', async () => {
    const store = createStore({ pruneInterval: 0 });
    expect((store as unknown as { timer: unknown }).timer).toBeUndefined();
  });
});
