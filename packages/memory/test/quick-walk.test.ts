import { describe, expect, it } from 'vitest';
import { StampedValue } from '@cache/core';
import { UNSURE, quickMeasure } from '../src/quick-walk.js';
import { MAX_WALKED_VALUES, measureValue, measureValueFully } from '../src/value-meter.js';

const QUICK_MAX_TOTAL = 12 * MAX_WALKED_VALUES;

/** Seeded generator of JSON-like data, a little wider than JSON (floats, nesting, many keys). */
function generator(seed: number): (depth: number) => unknown {
  let state = seed;
  const next = (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  const gen = (depth: number): unknown => {
    switch (depth > 4 ? next(5) : next(7)) {
      case 0:
        return 'x'.repeat(next(40));
      case 1:
        return next(3) === 0 ? next(1000) / 7 : next(2 ** 30) * (next(2) === 0 ? 1 : 2 ** 20);
      case 2:
        return next(2) === 0;
      case 3:
        return null;
      case 4:
        return undefined;
      case 5:
        return Array.from({ length: next(8) }, () => gen(depth + 1));
      default:
        return Object.fromEntries(
          Array.from({ length: next(3) === 0 ? 20 : next(8) }, (_, i) => [
            `k${i}${'y'.repeat(next(9))}`,
            gen(depth + 1),
          ]),
        );
    }
  };
  return gen;
}

class Dto {
  constructor(
    readonly id: number,
    readonly payload: unknown,
  ) {}
}

const user = {
  id: 48_213,
  name: 'Ada Lovelace',
  email: 'ada.lovelace@analytical-engine.example',
  roles: ['admin', 'editor', 'billing'],
  flags: { active: true, verified: true, beta: false },
  createdAt: '2024-03-18T09:41:27.512Z',
};

describe('quick walk', () => {
  it('gives exactly the full walk’s estimate for JSON-like data', () => {
    const gen = generator(11);
    for (let i = 0; i < 2_000; i++) {
      const value = gen(0);
      if (value === undefined) continue;
      expect(measureValue(value, Number.POSITIVE_INFINITY)).toBe(
        measureValueFully(value, Number.POSITIVE_INFINITY),
      );
    }
  });

  it('decides plain records itself (that is the point), and class instances, Dates and views at the top', () => {
    const holes: unknown[] = [];
    holes[0] = 1;
    holes[2] = 3; // a hole reads as undefined, which JSON writes as null
    const decided: unknown[] = [
      user,
      [user, user],
      new Dto(1, user),
      new Date(0),
      new Uint8Array(100),
      { holes },
    ];
    for (const value of decided) {
      const quick = quickMeasure(value, 0, Number.POSITIVE_INFINITY, QUICK_MAX_TOTAL);
      expect(quick).not.toBe(UNSURE);
      expect(quick).toBe(measureValueFully(value, Number.POSITIVE_INFINITY));
    }
  });

  it('leaves everything unusual to the full walk, with the same result', () => {
    let deep: unknown = { leaf: 'x' };
    for (let i = 0; i < 40; i++) deep = { deep };
    const unusual: unknown[] = [
      deep, // deeper than the quick walk follows
      { nested: new Date(0) },
      { map: new Map([['a', 1]]) },
      { f: () => 1, s: Symbol('s') },
      { toJSON: () => 'x', n: 1 },
      new StampedValue(user, Date.now() + 1_000),
      new StampedValue(new Dto(2, [1, 2]), Date.now() + 1_000),
      [new Dto(3, 'nested instance')],
      Object.create(null, { a: { value: 1, enumerable: true } }) as unknown,
    ];
    for (const value of unusual) {
      expect(measureValue(value, Number.POSITIVE_INFINITY)).toBe(
        measureValueFully(value, Number.POSITIVE_INFINITY),
      );
    }
    expect(quickMeasure(deep, 0, Number.POSITIVE_INFINITY, QUICK_MAX_TOTAL)).toBe(UNSURE);
    expect(quickMeasure({ n: 1n }, 0, Number.POSITIVE_INFINITY, QUICK_MAX_TOTAL)).toBe(UNSURE);
  });

  it('over a limit, hands over to the full walk, which stops there as before', () => {
    const gen = generator(5);
    for (let i = 0; i < 500; i++) {
      const value = gen(0);
      if (value === undefined) continue;
      const full = measureValueFully(value, Number.POSITIVE_INFINITY);
      for (const limit of [full - 1, full, Math.floor(full / 2)]) {
        const quick = measureValue(value, limit);
        const reference = measureValueFully(value, limit);
        expect(quick > limit).toBe(reference > limit);
        if (reference <= limit) expect(quick).toBe(reference);
      }
    }
  });

  it('a cycle is never mistaken for a large value, even under a small limit', () => {
    const cyclic: Record<string, unknown> = { text: 'x'.repeat(1_000) };
    cyclic.self = cyclic;
    expect(() => measureValue(cyclic, 5_000)).toThrow(
      expect.objectContaining({ code: 'CACHE_INVALID_VALUE' }),
    );
  });
});
