import { NO_EXPIRY } from '@cache/core';
import { expect } from 'vitest';
import { expectBytes, octets, text } from '../../support/bytes.js';
import type { StoreCheck } from '../check.js';

/** An hour: a positive TTL that cannot run out during a test. */
const LONG_TTL = 3_600_000;

/** Round trip, miss, overwrite and clone safety. */
export const roundTripChecks: readonly StoreCheck[] = [
  {
    name: 'set then get returns the same bytes',
    async run(h) {
      const store = await h.open();
      await store.set('alpha', text('hello'), LONG_TTL);
      await store.set('beta', octets(1, 2, 3), NO_EXPIRY);
      expectBytes(await store.get('alpha'), text('hello'), 'get(alpha)');
      expectBytes(await store.get('beta'), octets(1, 2, 3), 'get(beta)');
    },
  },
  {
    name: 'get of a missing key resolves undefined',
    async run(h) {
      const store = await h.open();
      expect(await store.get('never-written')).toBeUndefined();
      await store.set('present', text('x'), LONG_TTL);
      expect(await store.get('present-not')).toBeUndefined();
    },
  },
  {
    name: 'set overwrites an existing value',
    async run(h) {
      const store = await h.open();
      await store.set('k', octets(1, 2, 3, 4, 5, 6, 7, 8), LONG_TTL);
      // A shorter value afterwards catches a backend that overwrites in place without truncating.
      await store.set('k', octets(9), LONG_TTL);
      expectBytes(await store.get('k'), octets(9), 'after overwrite with a shorter value');
      await store.set('k', text('a longer value than before'), NO_EXPIRY);
      expectBytes(
        await store.get('k'),
        text('a longer value than before'),
        'after overwrite with a longer value',
      );
    },
  },
  {
    name: 'clone safety: mutating an input buffer after a write changes nothing stored',
    async run(h) {
      const store = await h.open();
      const viaSet = octets(1, 2, 3);
      await store.set('set', viaSet, LONG_TTL);
      viaSet.fill(0);
      const viaAdd = octets(4, 5, 6);
      expect(await store.add('add', viaAdd, LONG_TTL)).toBe(true);
      viaAdd.fill(0);
      const viaSetMany = octets(7, 8, 9);
      await store.setMany([{ key: 'setMany', value: viaSetMany, ttl: LONG_TTL }]);
      viaSetMany.fill(0);
      expectBytes(await store.get('set'), octets(1, 2, 3), 'value written by set');
      expectBytes(await store.get('add'), octets(4, 5, 6), 'value written by add');
      expectBytes(await store.get('setMany'), octets(7, 8, 9), 'value written by setMany');
    },
  },
  {
    name: 'clone safety: mutating a returned buffer changes nothing stored',
    async run(h) {
      const store = await h.open();
      await store.set('k', octets(1, 2, 3), LONG_TTL);
      const first = await store.get('k');
      expectBytes(first, octets(1, 2, 3), 'first read');
      first?.fill(0xff);
      expectBytes(await store.get('k'), octets(1, 2, 3), 'read after mutating the result of get');
      const [viaGetMany] = await store.getMany(['k']);
      viaGetMany?.fill(0xee);
      expectBytes(await store.get('k'), octets(1, 2, 3), 'read after mutating the result of getMany');
    },
  },
];
