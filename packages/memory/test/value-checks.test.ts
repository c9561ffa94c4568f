import { describe, expect, it } from 'vitest';
import { MISS, StampedValue, jsonCodec } from '@cache/core';
import { createStore } from './support.js';

/** Whether the JSON codec (what every other driver stores) refuses `value`, and with which code. */
function codecRefusal(value: unknown): string | undefined {
  try {
    jsonCodec.encode(value);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code ?? 'not a CacheError';
  }
}

function storeRefusal(write: () => unknown): string | undefined {
  try {
    write();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code ?? 'not a CacheError';
  }
}

const cyclic: Record<string, unknown> = { a: 1 };
cyclic.self = cyclic;
const cyclicArray: unknown[] = [1];
cyclicArray.push([cyclicArray]);
const shared = { id: 1 };
const mapWithItself = new Map<string, unknown>();
mapWithItself.set('me', mapWithItself);

// Each value: what the JSON codec does with it is what the memory store must do.
const cases: [string, unknown][] = [
  ['a BigInt', 1n],
  ['a nested BigInt', { user: { id: 10n } }],
  ['a BigInt in an array', [1, 2n]],
  ['a BigInt64Array', new BigInt64Array(2)],
  ['a function', () => 1],
  ['a symbol', Symbol('s')],
  ['a cycle through an object', cyclic],
  ['a cycle through arrays', cyclicArray],
  ['a nested function (JSON drops it)', { f: () => 1, a: [() => 2] }],
  ['a nested symbol (JSON drops it)', { s: Symbol('s') }],
  ['a shared, non-cyclic object (JSON repeats it)', { a: shared, b: [shared, shared] }],
  ['a Map holding a BigInt (JSON encodes {})', new Map([['n', 1n]])],
  ['a Map containing itself (JSON encodes {})', mapWithItself],
  ['a Set', new Set([1, 'a'])],
  ['an object whose toJSON hides a BigInt', { n: 5n, toJSON: () => 'five' }],
  ['a Date', new Date(0)],
  ['NaN and Infinity (JSON writes null)', [Number.NaN, Number.POSITIVE_INFINITY]],
  [
    'a class instance',
    new (class Point {
      x = 1;
      y = 2;
    })(),
  ],
  ['null', null],
  ['a Uint8Array', new Uint8Array([1, 2, 3])],
];

describe('by-reference values: refused exactly when the JSON codec refuses them', () => {
  it.each(cases)('%s', (_, value) => {
    const expected = codecRefusal(value);
    const store = createStore();
    expect(storeRefusal(() => store.putValue('k', value, 0))).toBe(expected);
    expect(storeRefusal(() => store.addValue('other', value, 0))).toBe(expected);
    // And with a byte bound, where the same walk also sizes the value.
    const bounded = createStore({ maxBytes: 1_000_000 });
    expect(storeRefusal(() => bounded.putValue('k', value, 0))).toBe(expected);
    if (expected === undefined) expect(store.peekValue('k')).toBe(value);
    else expect(store.size).toBe(0);
  });

  it('the refusals are InvalidValueError, and the previous value is kept', () => {
    const store = createStore();
    store.putValue('k', 'old', 0);
    expect(() => store.putValue('k', { id: 1n }, 0)).toThrow(
      expect.objectContaining({ name: 'InvalidValueError', code: 'CACHE_INVALID_VALUE' }),
    );
    expect(store.peekValue('k')).toBe('old');
  });

  it('addValue checks the value even when the key is taken (a networked driver encodes first)', () => {
    const store = createStore();
    store.putValue('k', 1, 0);
    expect(() => store.addValue('k', 2n, 0)).toThrow(
      expect.objectContaining({ code: 'CACHE_INVALID_VALUE' }),
    );
    const copy = createStore({ values: 'copy' });
    copy.putValue('k', 1, 0);
    expect(() => copy.addValue('k', 2n, 0)).toThrow(expect.objectContaining({ code: 'CACHE_INVALID_VALUE' }));
  });

  it('checks the value inside a StampedValue (a helper entry) as a top-level value', () => {
    const store = createStore();
    expect(() => store.putValue('k', new StampedValue(() => 1, Date.now() + 1000), 0)).toThrow(
      expect.objectContaining({ code: 'CACHE_INVALID_VALUE' }),
    );
    expect(() => store.putValue('k', new StampedValue({ n: 1n }, Date.now() + 1000), 0)).toThrow(
      expect.objectContaining({ code: 'CACHE_INVALID_VALUE' }),
    );
    const stamped = new StampedValue({ ok: true }, Date.now() + 1000);
    store.putValue('k', stamped, 0);
    expect(store.peekValue('k')).toBe(stamped);
  });

  it('a getter that throws is an InvalidValueError, as in JSON.stringify', () => {
    const value = {
      get broken(): never {
        throw new Error('nope');
      },
    };
    expect(codecRefusal(value)).toBe('CACHE_INVALID_VALUE');
    const store = createStore();
    expect(() => store.putValue('k', value, 0)).toThrow(
      expect.objectContaining({
        code: 'CACHE_INVALID_VALUE',
        cause: expect.objectContaining({ message: 'nope' }),
      }),
    );
  });

  it('a value nested too deep for the stack is refused, not a RangeError', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(codecRefusal(deep)).toBe('CACHE_INVALID_VALUE');
    const store = createStore();
    expect(() => store.putValue('k', deep, 0)).toThrow(
      expect.objectContaining({ code: 'CACHE_INVALID_VALUE' }),
    );
    expect(store.peekValue('k')).toBe(MISS);
  });
});
