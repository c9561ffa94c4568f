import { expect } from 'vitest';
import { expectErrorCode } from '../../support/error-code.js';
import { expectBytes, text } from '../../support/bytes.js';
import type { StoreCheck } from '../check.js';

const LONG_TTL = 3_600_000;

/**
 * Keys a driver must keep distinct and intact. Pairs that collide under a
 * case-insensitive, pad-space or normalising collation (MySQL defaults) are on
 * purpose.
 */
const AWKWARD_KEYS = [
  'emoji 🚀🔥',
  '中文键',
  'キー',
  'with space',
  ' leading and trailing ',
  'trail',
  'trail ',
  'a:b:c',
  ':',
  'line\nbreak',
  'crlf\r\nand\ttab',
  'Key',
  'key',
  'caf\u00e9',
  'cafe\u0301',
  'glob*?[x]',
  'like%_pattern',
  'quotes \'" `back\\slash',
  'slash/and.dots..',
  '{hash-tag}',
] as const;

/** Key edge cases. */
export const keyChecks: readonly StoreCheck[] = [
  {
    name: 'keys with unicode, spaces, colons and newlines stay distinct and round trip',
    async run(h) {
      const store = await h.open();
      for (const [i, key] of AWKWARD_KEYS.entries()) await store.set(key, text(`value-${i}`), LONG_TTL);
      for (const [i, key] of AWKWARD_KEYS.entries()) {
        expectBytes(await store.get(key), text(`value-${i}`), `get(${JSON.stringify(key)})`);
      }
      const values = await store.getMany(AWKWARD_KEYS);
      for (const [i, key] of AWKWARD_KEYS.entries()) {
        expectBytes(values[i], text(`value-${i}`), `getMany → ${JSON.stringify(key)}`);
      }
      // Deleting one of a colliding-looking pair leaves the other.
      await store.delete('Key');
      await store.delete('trail ');
      await store.delete('caf\u00e9');
      expectBytes(
        await store.get('key'),
        text(`value-${AWKWARD_KEYS.indexOf('key')}`),
        '"key" after deleting "Key"',
      );
      expectBytes(
        await store.get('trail'),
        text(`value-${AWKWARD_KEYS.indexOf('trail')}`),
        '"trail" after "trail "',
      );
      expectBytes(
        await store.get('cafe\u0301'),
        text(`value-${AWKWARD_KEYS.indexOf('cafe\u0301')}`),
        'decomposed "café" after deleting the composed one',
      );
    },
  },
  {
    name: 'a 1 KiB key works with every operation and is not truncated',
    async run(h) {
      const store = await h.open();
      // Two long keys that differ only in the last character catch truncation and
      // hashing of only a leading part.
      const long = `${'k'.repeat(1023)}a`;
      const twin = `${'k'.repeat(1023)}b`;
      await store.set(long, text('long'), LONG_TTL);
      await store.set(twin, text('twin'), LONG_TTL);
      expectBytes(await store.get(long), text('long'), 'get(1 KiB key)');
      expectBytes(await store.get(twin), text('twin'), 'get(1 KiB twin key)');
      const [viaGetMany] = await store.getMany([long]);
      expectBytes(viaGetMany, text('long'), 'getMany([1 KiB key])');
      expect(await store.add(long, text('x'), LONG_TTL), 'add on a present 1 KiB key').toBe(false);
      expect(await store.deleteIfEquals(long, text('long')), 'deleteIfEquals on a 1 KiB key').toBe(true);
      expect(await store.increment(long, 7, LONG_TTL), 'increment on a 1 KiB key').toBe(7);
      await store.delete(long);
      expect(await store.get(long)).toBeUndefined();
      expectBytes(await store.get(twin), text('twin'), 'twin after deleting the first 1 KiB key');
    },
  },
  {
    name: 'keys that are not well-formed UTF-16 are refused with InvalidKeyError before any call',
    async run(h) {
      const store = await h.open();
      // A lone surrogate has no UTF-8 encoding: '\uD800x' and '\uDBFFx' would both be stored
      // as '\uFFFDx', one key. Every driver refuses them instead of merging them.
      for (const key of ['\uD800x', '\uDBFFx', 'x\uDC00', 'tail\uD83D']) {
        const what = JSON.stringify(key);
        await expectErrorCode(store.set(key, text('v'), LONG_TTL), ['CACHE_INVALID_KEY'], `set(${what})`);
        await expectErrorCode(store.get(key), ['CACHE_INVALID_KEY'], `get(${what})`);
        await expectErrorCode(store.getMany(['ok', key]), ['CACHE_INVALID_KEY'], `getMany([…, ${what}])`);
        await expectErrorCode(
          store.setMany([{ key, value: text('v'), ttl: LONG_TTL }]),
          ['CACHE_INVALID_KEY'],
          `setMany(${what})`,
        );
        await expectErrorCode(store.add(key, text('v'), LONG_TTL), ['CACHE_INVALID_KEY'], `add(${what})`);
        await expectErrorCode(store.increment(key, 1, LONG_TTL), ['CACHE_INVALID_KEY'], `increment(${what})`);
        await expectErrorCode(store.delete(key), ['CACHE_INVALID_KEY'], `delete(${what})`);
        await expectErrorCode(store.deleteMany([key]), ['CACHE_INVALID_KEY'], `deleteMany(${what})`);
        await expectErrorCode(
          store.deleteIfEquals(key, text('v')),
          ['CACHE_INVALID_KEY'],
          `deleteIfEquals(${what})`,
        );
      }
      // A well-formed astral character (a surrogate pair) is an ordinary key.
      await store.set('pair \uD83D\uDE80', text('rocket'), LONG_TTL);
      expectBytes(await store.get('pair \uD83D\uDE80'), text('rocket'), 'key with a surrogate pair');
      expect(await store.get('pair \uFFFD'), 'the U+FFFD lookalike stays distinct').toBeUndefined();
    },
  },
];
