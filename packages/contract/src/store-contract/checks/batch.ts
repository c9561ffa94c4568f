import { NO_EXPIRY } from '@cache/core';
import { expect } from 'vitest';
import { expectBytes, text } from '../../support/bytes.js';
import { waitForExpiry } from '../../support/expiry.js';
import { shortTtl } from '../../support/ttl.js';
import type { StoreCheck } from '../check.js';

const LONG_TTL = 3_600_000;

/** getMany / setMany. */
export const batchChecks: readonly StoreCheck[] = [
  {
    name: 'getMany returns values in key order with undefined for misses',
    async run(h) {
      const store = await h.open();
      await store.set('a', text('A'), LONG_TTL);
      await store.set('b', text('B'), LONG_TTL);
      const values = await store.getMany(['b', 'missing-1', 'a', 'missing-2']);
      expect(values).toHaveLength(4);
      expectBytes(values[0], text('B'), 'getMany[0] (b)');
      expect(values[1], 'getMany[1] (missing)').toBeUndefined();
      expectBytes(values[2], text('A'), 'getMany[2] (a)');
      expect(values[3], 'getMany[3] (missing)').toBeUndefined();
    },
  },
  {
    name: 'getMany handles duplicate keys and an empty list',
    async run(h) {
      const store = await h.open();
      await store.set('a', text('A'), LONG_TTL);
      await store.set('b', text('B'), LONG_TTL);
      const values = await store.getMany(['a', 'a', 'b', 'a']);
      expect(values).toHaveLength(4);
      for (const [i, expected] of ['A', 'A', 'B', 'A'].entries()) {
        expectBytes(values[i], text(expected), `getMany(['a','a','b','a'])[${i}]`);
      }
      expect(await store.getMany([])).toEqual([]);
    },
  },
  {
    name: 'setMany writes every entry and the last duplicate wins',
    async run(h) {
      const store = await h.open();
      await store.set('existing', text('old'), LONG_TTL);
      await store.setMany([
        { key: 'a', value: text('1'), ttl: LONG_TTL },
        { key: 'existing', value: text('new'), ttl: LONG_TTL },
        { key: 'b', value: text('2'), ttl: NO_EXPIRY },
        { key: 'a', value: text('3'), ttl: LONG_TTL },
      ]);
      expectBytes(await store.get('a'), text('3'), 'duplicate key: the last entry wins');
      expectBytes(await store.get('b'), text('2'), 'b');
      expectBytes(await store.get('existing'), text('new'), 'setMany overwrites');
      await expect(store.setMany([]), 'setMany([])').resolves.toBeUndefined();
    },
  },
  {
    name: 'setMany honours per-entry ttls',
    async run(h) {
      const store = await h.open();
      const caps = h.capabilities(store);
      const ttl = shortTtl(caps);
      const writtenAt = Date.now();
      await store.setMany([
        { key: 'short', value: text('s'), ttl },
        { key: 'forever', value: text('f'), ttl: NO_EXPIRY },
        { key: 'hour', value: text('h'), ttl: LONG_TTL },
      ]);
      expectBytes(await store.get('short'), text('s'), 'short entry right after setMany');
      await waitForExpiry(store, 'short', ttl, caps, writtenAt);
      expectBytes(await store.get('forever'), text('f'), 'NO_EXPIRY entry of the same batch');
      expectBytes(await store.get('hour'), text('h'), 'one-hour entry of the same batch');
    },
  },
  {
    name: 'batches larger than common backend limits (250 entries) work',
    async run(h) {
      const store = await h.open();
      // DynamoDB batches 25 writes / 100 reads, SQL drivers cap bind parameters:
      // a driver must chunk rather than fail or drop entries.
      const keys = Array.from({ length: 250 }, (_, i) => `bulk-${i}`);
      await store.setMany(keys.map((key, i) => ({ key, value: text(String(i)), ttl: LONG_TTL })));
      const withMisses = keys.flatMap((key, i) => (i % 50 === 0 ? [key, `absent-${i}`] : [key]));
      const values = await store.getMany(withMisses);
      expect(values).toHaveLength(withMisses.length);
      for (const [i, key] of withMisses.entries()) {
        if (key.startsWith('absent-')) expect(values[i], key).toBeUndefined();
        else expectBytes(values[i], text(key.slice('bulk-'.length)), key);
      }
      await store.deleteMany(keys);
      const after = await store.getMany(keys);
      expect(
        after.filter((v) => v !== undefined),
        'entries left after deleteMany of all 250',
      ).toHaveLength(0);
    },
  },
];
