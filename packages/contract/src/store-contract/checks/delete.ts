import { expect } from 'vitest';
import { expectBytes, octets, text } from '../../support/bytes.js';
import type { StoreCheck } from '../check.js';

const LONG_TTL = 3_600_000;

/** delete, deleteMany and compare-and-delete. */
export const deleteChecks: readonly StoreCheck[] = [
  {
    name: 'delete removes one key and is idempotent',
    async run(h) {
      const store = await h.open();
      await store.set('doomed', text('x'), LONG_TTL);
      await store.set('bystander', text('y'), LONG_TTL);
      await store.delete('doomed');
      expect(await store.get('doomed')).toBeUndefined();
      await expect(store.delete('doomed'), 'second delete of the same key').resolves.toBeUndefined();
      await expect(store.delete('never-written'), 'delete of a missing key').resolves.toBeUndefined();
      expectBytes(await store.get('bystander'), text('y'), 'key that was not deleted');
    },
  },
  {
    name: 'deleteMany removes the listed keys and tolerates missing keys, duplicates and an empty list',
    async run(h) {
      const store = await h.open();
      await store.setMany([
        { key: 'a', value: text('a'), ttl: LONG_TTL },
        { key: 'b', value: text('b'), ttl: LONG_TTL },
        { key: 'c', value: text('c'), ttl: LONG_TTL },
      ]);
      await store.deleteMany(['a', 'missing', 'b', 'a']);
      expect(await store.getMany(['a', 'b'])).toEqual([undefined, undefined]);
      expectBytes(await store.get('c'), text('c'), 'key not listed in deleteMany');
      await expect(store.deleteMany([]), 'deleteMany([])').resolves.toBeUndefined();
      await expect(store.deleteMany(['a', 'b']), 'deleteMany of deleted keys').resolves.toBeUndefined();
      expectBytes(await store.get('c'), text('c'), 'key not listed in deleteMany');
    },
  },
  {
    name: 'deleteIfEquals deletes only when the stored bytes are equal',
    async run(h) {
      const store = await h.open();
      await store.set('k', octets(1, 2, 3), LONG_TTL);
      // Near misses: a prefix, an extension, a same-length difference.
      expect(await store.deleteIfEquals('k', octets(1, 2)), 'expected value is a prefix').toBe(false);
      expect(await store.deleteIfEquals('k', octets(1, 2, 3, 4)), 'expected value is longer').toBe(false);
      expect(await store.deleteIfEquals('k', octets(1, 2, 4)), 'expected value differs in one byte').toBe(
        false,
      );
      expectBytes(await store.get('k'), octets(1, 2, 3), 'value after refused compare-and-delete');
      expect(await store.deleteIfEquals('k', octets(1, 2, 3)), 'expected value is equal').toBe(true);
      expect(await store.get('k')).toBeUndefined();
      expect(await store.deleteIfEquals('k', octets(1, 2, 3)), 'key already deleted').toBe(false);
      expect(await store.deleteIfEquals('never-written', octets(1)), 'missing key').toBe(false);
    },
  },
];
