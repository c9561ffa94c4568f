import { bytesEqual } from '@cache/core';
import { expect } from 'vitest';
import { describeBytes, expectBytes, noise } from '../../support/bytes.js';
import type { StoreCheck } from '../check.js';

const LONG_TTL = 3_600_000;
const LARGE_VALUE_BYTES = 512 * 1024;

/**
 * Size of the large-value check: 512 KiB, or the backend's cap minus headroom
 * for the driver's own per-entry overhead (key, expiry, item header).
 */
export function largeValueSize(maxValueBytes: number | undefined): number {
  if (maxValueBytes === undefined) return LARGE_VALUE_BYTES;
  const headroom = Math.max(1024, Math.ceil(maxValueBytes * 0.05));
  return Math.max(1, Math.min(LARGE_VALUE_BYTES, maxValueBytes - headroom));
}

/** Large, binary and empty values. */
export const valueChecks: readonly StoreCheck[] = [
  {
    name: 'a large value round trips',
    async run(h) {
      const store = await h.open();
      const value = noise(largeValueSize(h.capabilities(store).maxValueBytes));
      await store.set('large', value, LONG_TTL);
      const read = await store.get('large');
      // No expectBytes here: a diff of half a megabyte helps nobody.
      expect(read?.byteLength, 'length of the large value read back').toBe(value.byteLength);
      expect(read !== undefined && bytesEqual(read, value), `content differs: ${describeBytes(read)}`).toBe(
        true,
      );
      const [viaGetMany] = await store.getMany(['large']);
      expect(viaGetMany !== undefined && bytesEqual(viaGetMany, value), 'large value via getMany').toBe(true);
    },
  },
  {
    name: 'all 256 byte values round trip',
    async run(h) {
      const store = await h.open();
      // Starts with NUL (C-string truncation), includes invalid UTF-8 (text columns) and 0x80-0xff.
      const ascending = Uint8Array.from({ length: 256 }, (_, i) => i);
      const descending = Uint8Array.from({ length: 256 }, (_, i) => 255 - i);
      await store.set('ascending', ascending, LONG_TTL);
      await store.setMany([{ key: 'descending', value: descending, ttl: LONG_TTL }]);
      expectBytes(await store.get('ascending'), ascending, 'bytes 0..255 via set/get');
      const [viaGetMany] = await store.getMany(['descending']);
      expectBytes(viaGetMany, descending, 'bytes 255..0 via setMany/getMany');
      expect(await store.deleteIfEquals('ascending', ascending), 'deleteIfEquals with binary bytes').toBe(
        true,
      );
    },
  },
  {
    name: 'the empty value is stored and is not a miss',
    async run(h) {
      const store = await h.open();
      const empty = new Uint8Array(0);
      await store.set('empty', empty, LONG_TTL);
      expectBytes(await store.get('empty'), empty, 'get of an empty value');
      const [viaGetMany] = await store.getMany(['empty']);
      expectBytes(viaGetMany, empty, 'getMany of an empty value');
      expect(await store.add('empty', new Uint8Array([1]), LONG_TTL), 'add over an empty value').toBe(false);
      expect(await store.deleteIfEquals('empty', new Uint8Array([0])), 'deleteIfEquals([0]) on empty').toBe(
        false,
      );
      expect(await store.deleteIfEquals('empty', empty), 'deleteIfEquals(empty) on empty').toBe(true);
      expect(await store.get('empty')).toBeUndefined();
    },
  },
];
