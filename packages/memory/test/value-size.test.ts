import { describe, expect, it } from 'vitest';
import { MISS } from '@cache/core';
import { MAX_WALKED_VALUES } from '../src/index.js';
import { createStore } from './support.js';

const MiB = 2 ** 20;

/** A Map of `n` int → int entries: ~46 bytes per entry on the V8 heap, and `{}` (2 bytes) in JSON. */
function intMap(n: number): Map<number, number> {
  const map = new Map<number, number>();
  for (let i = 0; i < n; i++) map.set(i, i);
  return map;
}

/** Seeded generator of JSON-like data (objects, arrays, ASCII strings, numbers, booleans, null). */
function generator(seed: number): (depth: number) => unknown {
  let state = seed;
  const next = (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  const gen = (depth: number): unknown => {
    switch (depth > 3 ? next(4) : next(6)) {
      case 0:
        return 'x'.repeat(next(40));
      case 1:
        return next(3) === 0 ? next(1000) / 7 : next(2 ** 30) * (next(2) === 0 ? 1 : 2 ** 20);
      case 2:
        return next(2) === 0;
      case 3:
        return null;
      case 4:
        return Array.from({ length: next(8) }, () => gen(depth + 1));
      default:
        return Object.fromEntries(
          Array.from({ length: next(8) }, (_, i) => [`k${i}${'y'.repeat(next(9))}`, gen(depth + 1)]),
        );
    }
  };
  return gen;
}

describe('maxBytes with by-reference values: a structural estimate', () => {
  it('counts a Map by its entries (JSON text would count it as 2 bytes)', () => {
    const store = createStore({ maxBytes: MiB });
    // Each map retains ~230 KB of heap: at most 4 of them fit in 1 MiB of real memory.
    for (let i = 0; i < 50; i++) store.putValue(`map${i}`, intMap(5_000), 0);
    expect(store.size).toBeLessThanOrEqual(4);
    expect(store.size).toBeGreaterThan(0);
    expect(store.bytes).toBeLessThanOrEqual(MiB);
    expect(store.peekValue('map49')).toBeInstanceOf(Map); // the newest is kept
  });

  it('counts Sets, typed arrays, buffers, Dates and nested Maps', () => {
    const store = createStore({ maxBytes: 10 * MiB });
    const values: [string, unknown, number][] = [
      ['set', new Set(Array.from({ length: 10_000 }, (_, i) => `member-${i}`)), 10_000 * 40],
      ['bytes', new Uint8Array(300_000), 300_000],
      ['view', new Uint8Array(new ArrayBuffer(400_000), 0, 10), 400_000], // a view retains its whole buffer
      ['buffer', new ArrayBuffer(200_000), 200_000],
      ['dates', Array.from({ length: 1_000 }, (_, i) => new Date(i)), 1_000 * 96],
      ['nested', { inner: new Map([['m', intMap(2_000)]]) }, 2_000 * 46],
    ];
    for (const [key, value, atLeast] of values) {
      const before = store.bytes;
      store.putValue(key, value, 0);
      expect(store.bytes - before, key).toBeGreaterThanOrEqual(atLeast);
    }
  });

  it('never counts plain JSON-like data below the length of its JSON text (the old estimate)', () => {
    const store = createStore({ maxBytes: 100 * MiB });
    const gen = generator(7);
    for (let i = 0; i < 300; i++) {
      const value = gen(0);
      store.putValue('k', value, 0); // replaces the previous value: bytes is this entry alone
      // The key 'k' counts 2 bytes on top of the value.
      expect(store.bytes, JSON.stringify(value)).toBeGreaterThanOrEqual(JSON.stringify(value).length + 2);
    }
  });

  it('stops walking a value as soon as it cannot fit', () => {
    // A DAG that repeats one array 2^40 times: JSON.stringify would never finish.
    let dag: unknown = [1];
    for (let i = 0; i < 40; i++) dag = [dag, dag];
    const store = createStore({ maxBytes: 10 * MiB });
    store.putValue('small', 'kept', 0);
    store.putValue('dag', dag, 0);
    expect(store.peekValue('dag')).toBe(MISS);
    expect(store.peekValue('small')).toBe('kept');
  });

  it('refuses a value too large to measure under a large maxBytes, pointing at sizeOf', () => {
    let dag: unknown = [1];
    for (let i = 0; i < 40; i++) dag = [dag, dag];
    const store = createStore({ maxBytes: 2 ** 50 });
    expect(() => store.putValue('dag', dag, 0)).toThrow(
      expect.objectContaining({ code: 'CACHE_INVALID_VALUE', message: expect.stringContaining('sizeOf') }),
    );
    // With sizeOf the walk only checks the value, and stops after MAX_WALKED_VALUES.
    const sized = createStore({ maxBytes: 2 ** 50, sizeOf: () => 1_000 });
    sized.putValue('dag', dag, 0);
    expect(sized.peekValue('dag')).toBe(dag);
    // Without maxBytes too: the walk is bounded, the value stored.
    const unbounded = createStore();
    unbounded.putValue('dag', dag, 0);
    expect(unbounded.peekValue('dag')).toBe(dag);
    expect(MAX_WALKED_VALUES).toBe(1_000_000);
  });

  it('the bound is what the entry counts: an entry that does not fit is not stored and drops the old value', () => {
    const store = createStore({ maxBytes: 10_000 });
    store.putValue('k', { small: true }, 0);
    store.putValue('k', intMap(1_000), 0);
    expect(store.peekValue('k')).toBe(MISS);
    expect(store.size).toBe(0);
    expect(store.bytes).toBe(0);
  });

  it('counts nothing and calls no sizeOf without maxBytes, but still checks the value', () => {
    const store = createStore();
    store.putValue('m', intMap(100), 0);
    expect(store.bytes).toBe(0);
    expect(() => store.putValue('b', { n: 1n }, 0)).toThrow(
      expect.objectContaining({ code: 'CACHE_INVALID_VALUE' }),
    );
  });
});
