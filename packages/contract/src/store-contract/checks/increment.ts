import { NO_EXPIRY, fromUtf8 } from '@cache/core';
import { expect } from 'vitest';
import { expectBytes, text } from '../../support/bytes.js';
import { waitForExpiry } from '../../support/expiry.js';
import { shortTtl } from '../../support/ttl.js';
import type { StoreCheck } from '../check.js';

const LONG_TTL = 3_600_000;

/** Rejects unless `promise` fails with an error whose `code` is `CACHE_NOT_NUMERIC`. */
async function expectNotNumeric(promise: Promise<unknown>, what: string): Promise<void> {
  const error = await promise.then(
    (value) => new Error(`${what}: expected a NotNumericError, resolved ${String(value)}`),
    (caught: unknown) => caught,
  );
  expect((error as { code?: unknown }).code, `${what}: ${String(error)}`).toBe('CACHE_NOT_NUMERIC');
}

/** Atomic counters. */
export const incrementChecks: readonly StoreCheck[] = [
  {
    name: 'increment starts a missing key at 0, takes signed deltas and returns the new value',
    async run(h) {
      const store = await h.open();
      expect(await store.increment('n', 5, LONG_TTL)).toBe(5);
      expect(await store.increment('n', -3, LONG_TTL)).toBe(2);
      expect(await store.increment('n', -4, LONG_TTL)).toBe(-2);
      expect(await store.increment('n', 0, LONG_TTL)).toBe(-2);
      expect(await store.increment('negative-from-missing', -7, LONG_TTL)).toBe(-7);
      // Counters are ASCII decimal, readable by every backend's tools and by the JSON codec.
      const stored = await store.get('n');
      expect(stored && fromUtf8(stored), 'stored counter bytes').toBe('-2');
    },
  },
  {
    name: 'increment adds to a decimal value written with set',
    async run(h) {
      const store = await h.open();
      await store.set('n', text('41'), LONG_TTL);
      expect(await store.increment('n', 1, LONG_TTL)).toBe(42);
      expectBytes(await store.get('n'), text('42'), 'stored counter');
    },
  },
  {
    name: 'increment on a non-numeric value rejects with NotNumericError and keeps the value',
    async run(h) {
      const store = await h.open();
      await store.set('word', text('abc'), LONG_TTL);
      await expectNotNumeric(store.increment('word', 1, LONG_TTL), 'increment of "abc"');
      expectBytes(await store.get('word'), text('abc'), 'value after the failed increment');
      await store.set('fraction', text('1.5'), LONG_TTL);
      await expectNotNumeric(store.increment('fraction', 1, LONG_TTL), 'increment of "1.5"');
      expectBytes(await store.get('fraction'), text('1.5'), 'value after the failed increment');
    },
  },
  {
    name: 'increment sets the given ttl on every call',
    async run(h) {
      const store = await h.open();
      const caps = h.capabilities(store);
      const ttl = shortTtl(caps);
      // ttl first, then NO_EXPIRY: the counter must now live on.
      await store.increment('kept', 1, ttl);
      await store.increment('kept', 1, NO_EXPIRY);
      // NO_EXPIRY first, then a ttl: the counter must now expire.
      await store.increment('expiring', 1, NO_EXPIRY);
      const writtenAt = Date.now();
      expect(await store.increment('expiring', 1, ttl)).toBe(2);
      await waitForExpiry(store, 'expiring', ttl, caps, writtenAt);
      expectBytes(await store.get('kept'), text('2'), 'counter last incremented with NO_EXPIRY');
      // An expired counter starts again from 0.
      expect(await store.increment('expiring', 1, LONG_TTL)).toBe(1);
    },
  },
  {
    name: 'increment is atomic: 200 concurrent increments sum exactly',
    async run(h) {
      const store = await h.open();
      const results = await Promise.all(
        Array.from({ length: 200 }, () => store.increment('hits', 1, LONG_TTL)),
      );
      // Every caller saw a distinct intermediate value: no lost update, no duplicate.
      expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expectBytes(await store.get('hits'), text('200'), 'final counter');
    },
  },
  {
    name: 'increment accepts exactly the canonical decimal integers (one rule on every driver)',
    async run(h) {
      const store = await h.open();
      // COUNTER_PATTERN in @cache/core: 0, or an optional '-' and 1-16 digits without a leading 0.
      for (const [stored, expected] of [
        ['0', 1],
        ['-5', -4],
        ['41', 42],
        ['9007199254740990', 9007199254740991],
      ] as const) {
        await store.set('n', text(stored), LONG_TTL);
        expect(await store.increment('n', 1, LONG_TTL), `increment of "${stored}"`).toBe(expected);
      }
      for (const stored of ['05', '-0', '+5', ' 5', '5 ', '1e3', '1.0', '0x10', '--1', '-', '']) {
        await store.set('odd', text(stored), LONG_TTL);
        await expectNotNumeric(store.increment('odd', 1, LONG_TTL), `increment of ${JSON.stringify(stored)}`);
        expectBytes(await store.get('odd'), text(stored), `${JSON.stringify(stored)} kept after the refusal`);
      }
    },
  },
];
