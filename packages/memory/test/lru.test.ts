import { describe, expect, it } from 'vitest';
import { MISS } from '@cache/core';
import { bytes, createStore, text } from './support.js';

describe('policy lru: by entries', () => {
  it('evicts the least recently written entry when over maxEntries', async () => {
    const store = createStore({ policy: 'lru', maxEntries: 3 });
    for (const key of ['a', 'b', 'c', 'd']) await store.set(key, bytes(key), 0);
    expect(store.size).toBe(3);
    expect(await store.get('a')).toBeUndefined();
    expect(await store.getMany(['b', 'c', 'd']).then((values) => values.map(text))).toEqual(['b', 'c', 'd']);
  });

  it('a byte read, a peek and an overwrite all count as use', async () => {
    const store = createStore({ policy: 'lru', maxEntries: 3 });
    await store.set('a', bytes('a'), 0);
    store.putValue('b', { b: 1 }, 0);
    await store.set('c', bytes('c'), 0);
    await store.get('a'); // order now (most recent first): a c b
    expect(store.peekValue('b')).toEqual({ b: 1 }); // b a c
    await store.set('c', bytes('c2'), 0); // c b a
    await store.set('d', bytes('d'), 0); // evicts a
    expect(await store.get('a')).toBeUndefined();
    expect(store.peekValue('b')).toEqual({ b: 1 });
    expect(text(await store.get('c'))).toBe('c2');
    expect(text(await store.get('d'))).toBe('d');
  });

  it('a miss and a refused add do not count as use', async () => {
    const store = createStore({ policy: 'lru', maxEntries: 2 });
    await store.set('a', bytes('a'), 0);
    await store.set('b', bytes('b'), 0);
    expect(await store.add('a', bytes('other'), 0)).toBe(false);
    expect(store.peekValue('zzz')).toBe(MISS);
    await store.set('c', bytes('c'), 0);
    expect(store.size).toBe(2);
    expect(await store.get('a')).toBeUndefined();
    expect(text(await store.get('b'))).toBe('b');
    expect(text(await store.get('c'))).toBe('c');
  });

  it('keeps exactly one entry with maxEntries 1', async () => {
    const store = createStore({ policy: 'lru', maxEntries: 1 });
    for (let i = 0; i < 10; i++) store.putValue(`k${i}`, i, 0);
    expect(store.size).toBe(1);
    expect(store.peekValue('k9')).toBe(9);
    expect(store.peekValue('k8')).toBe(MISS);
  });

  it('stays consistent over many random operations', async () => {
    const store = createStore({ policy: 'lru', maxEntries: 50 });
    const model = new Map<string, string>(); // insertion order = recency order, oldest first
    const touch = (key: string, value: string) => {
      model.delete(key);
      model.set(key, value);
      if (model.size > 50) model.delete(model.keys().next().value as string);
    };
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let i = 0; i < 5000; i++) {
      const key = `k${random(120)}`;
      const op = random(3);
      if (op === 0) {
        await store.set(key, bytes(String(i)), 0);
        touch(key, String(i));
      } else if (op === 1) {
        const got = text(await store.get(key));
        expect(got).toBe(model.get(key));
        if (got !== undefined) touch(key, got);
      } else {
        await store.delete(key);
        model.delete(key);
      }
    }
    expect(store.size).toBe(model.size);
    for (const [key, value] of model) expect(text(await store.get(key))).toBe(value);
  });
});

describe('policy lru: by bytes', () => {
  it('counts a byte entry as byteLength + 2 bytes per key character', async () => {
    // 'ab' + 6 bytes = 2*2 + 6 = 10 bytes each: three fit in 30, a fourth evicts one.
    const store = createStore({ policy: 'lru', maxBytes: 30 });
    await store.set('k1', new Uint8Array(6), 0);
    await store.set('k2', new Uint8Array(6), 0);
    await store.set('k3', new Uint8Array(6), 0);
    expect(store.size).toBe(3);
    await store.set('k4', new Uint8Array(6), 0);
    expect(store.size).toBe(3);
    expect(await store.get('k1')).toBeUndefined();
    // 16 + 4 = 20 bytes: only k4 (10) can stay beside it, so k2 and k3 go.
    await store.set('k5', new Uint8Array(16), 0);
    expect(store.size).toBe(2);
    expect(await store.get('k4')).toBeDefined();
    expect(await store.get('k5')).toBeDefined();
  });

  it('evicts in recency order, not insertion order', async () => {
    const store = createStore({ policy: 'lru', maxBytes: 30 });
    await store.set('k1', new Uint8Array(6), 0);
    await store.set('k2', new Uint8Array(6), 0);
    await store.set('k3', new Uint8Array(6), 0);
    await store.get('k1');
    await store.set('k4', new Uint8Array(6), 0);
    expect(await store.get('k1')).toBeDefined();
    expect(await store.get('k2')).toBeUndefined();
  });

  it('does not store an entry larger than maxBytes and removes the old value of its key', async () => {
    const store = createStore({ policy: 'lru', maxBytes: 20 });
    await store.set('a', bytes('small'), 0);
    await store.set('b', bytes('other'), 0);
    await store.set('a', new Uint8Array(19), 0); // 19 + 2 > 20
    expect(await store.get('a')).toBeUndefined();
    expect(text(await store.get('b'))).toBe('other');
    store.putValue('b', 'x'.repeat(40), 0);
    expect(store.peekValue('b')).toBe(MISS);
    expect(store.size).toBe(0);
  });

  it('an entry of exactly maxBytes fits', async () => {
    const store = createStore({ policy: 'lru', maxBytes: 20 });
    await store.set('a', new Uint8Array(18), 0);
    expect(await store.get('a')).toHaveLength(18);
  });

  it('estimates a by-reference string as a header plus 2 bytes per character when no sizeOf is given', () => {
    const store = createStore({ policy: 'lru', maxBytes: 250 });
    // key 'a' = 2 bytes, the string 24 + 40 * 2 = 104: 106 per entry, two fit.
    store.putValue('a', 'x'.repeat(40), 0);
    store.putValue('b', 'x'.repeat(40), 0);
    expect(store.size).toBe(2);
    store.putValue('c', 'x'.repeat(40), 0);
    expect(store.size).toBe(2);
    expect(store.peekValue('a')).toBe(MISS);
  });

  it('uses sizeOf for by-reference values', () => {
    const sizes = new Map<unknown, number>();
    const store = createStore({ policy: 'lru', maxBytes: 100, sizeOf: (value) => sizes.get(value) ?? 0 });
    const big = { big: true };
    const small = { small: true };
    sizes.set(big, 90);
    sizes.set(small, 5);
    store.putValue('s1', small, 0);
    store.putValue('s2', small, 0);
    expect(store.size).toBe(2);
    store.putValue('big', big, 0); // 94 + 9 + 9 > 100: both small ones go
    expect(store.size).toBe(1);
    expect(store.peekValue('big')).toBe(big);
    sizes.set(big, 200);
    store.putValue('big', big, 0);
    expect(store.peekValue('big')).toBe(MISS);
  });

  it('rejects a sizeOf result that is not a size', () => {
    const store = createStore({ policy: 'lru', maxBytes: 100, sizeOf: () => Number.NaN });
    expect(() => store.putValue('a', 1, 0)).toThrow(
      expect.objectContaining({ code: 'CACHE_INVALID_CONFIG' }),
    );
    expect(store.size).toBe(0);
  });

  it('does not call sizeOf without maxBytes', () => {
    let calls = 0;
    const store = createStore({
      sizeOf: () => {
        calls++;
        return 1;
      },
    });
    store.putValue('a', { a: 1 }, 0);
    expect(calls).toBe(0);
  });

  it('frees the bytes of deleted and overwritten entries', async () => {
    const store = createStore({ policy: 'lru', maxBytes: 30 });
    await store.set('k1', new Uint8Array(6), 0);
    await store.set('k2', new Uint8Array(6), 0);
    await store.set('k2', new Uint8Array(6), 0);
    await store.delete('k1');
    await store.set('k3', new Uint8Array(6), 0);
    await store.set('k4', new Uint8Array(6), 0);
    expect(store.size).toBe(3);
  });
});
