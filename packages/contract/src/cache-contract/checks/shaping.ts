import { fromUtf8, utf8 } from '@cache/core';
import { expect } from 'vitest';
import { recordingStore } from '../../faults/recording-store.js';
import { expectBytes, noise } from '../../support/bytes.js';
import { expectErrorCode } from '../../support/error-code.js';
import type { CacheCheck } from '../check.js';

const BAD_PAYLOAD_CODES = ['CACHE_CORRUPT_PAYLOAD', 'CACHE_DECRYPTION_FAILED'] as const;

/** Whether `haystack` contains `needle` as a contiguous run. */
function containsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).includes(Buffer.from(needle));
}

/** Compression/encryption round trips and typed errors for bad payloads. */
export const shapingChecks: readonly CacheCheck[] = [
  {
    name: 'values round trip through the configured shaping and are stored shaped',
    async run(h) {
      const { cache, store } = await h.open();
      const secret = 'plaintext-marker-0123456789';
      const value = {
        secret,
        filler: 'compressible '.repeat(800),
        list: Array.from({ length: 50 }, (_, i) => i),
      };
      await cache.set('doc', value, '1m');
      expect(await cache.get('doc')).toEqual(value);
      const binary = noise(4096);
      await cache.setBytes('bin', binary, '1m');
      expectBytes(await cache.getBytes('bin'), binary, 'getBytes(bin)');
      const raw = await store.get('doc');
      expect(raw, 'stored bytes').toBeDefined();
      const stored = raw as Uint8Array;
      const json = utf8(JSON.stringify(value));
      if (h.shape.encryption !== undefined) {
        expect(stored[0], 'an encrypted entry is framed (first byte 0x00)').toBe(0x00);
        expect(containsBytes(stored, utf8(secret)), 'plaintext visible in the encrypted entry').toBe(false);
      }
      if (h.shape.compression !== undefined) {
        expect(stored.byteLength, 'a compressible value is stored smaller').toBeLessThan(json.byteLength);
      }
      if (!h.shaped && h.shape.codec === undefined && h.tier === undefined) {
        // No shaping: the entry is the plain JSON, readable with the backend's own tools (with an
        // L1 the entry also records its expiry, so it is framed).
        expect(fromUtf8(stored)).toBe(JSON.stringify(value));
      }
    },
  },
  {
    name: 'an encrypted entry copied to another key fails to decrypt (encryption only)',
    async run(h, test) {
      if (h.shape.encryption === undefined) test.skip('no encryption configured in cacheOptions');
      const { cache, store } = await h.open();
      await cache.set('original', { secret: 1 }, '1m');
      const raw = await store.get('original');
      await store.set('copy', raw as Uint8Array, 60_000);
      await expectErrorCode(cache.get('copy'), ['CACHE_DECRYPTION_FAILED'], 'get of a copied ciphertext');
      // Flipping one ciphertext bit fails authentication too.
      const tampered = Uint8Array.from(raw as Uint8Array);
      tampered[tampered.byteLength - 1] = (tampered[tampered.byteLength - 1] as number) ^ 0x01;
      await store.set('original', tampered, 60_000);
      await expectErrorCode(
        cache.get('original'),
        ['CACHE_DECRYPTION_FAILED'],
        'get of a tampered ciphertext',
      );
    },
  },
  {
    name: 'corrupt or foreign payloads raise typed errors, never garbage',
    async run(h) {
      const { cache, store } = await h.open();
      const planted: Record<string, Uint8Array> = {
        // Encrypted flag set, header cut short.
        truncatedEncrypted: Uint8Array.from([0x00, 0xca, 1, 0x08, 1, 2, 3]),
        // Only the frame marker.
        markerOnly: Uint8Array.from([0x00]),
        // Wrong magic.
        wrongMagic: Uint8Array.from([0x00, 0x42, 1, 0x00, 0x7b, 0x7d]),
        // Unknown format version.
        futureVersion: Uint8Array.from([0x00, 0xca, 99, 0x00, 0x7b, 0x7d]),
        // gzip flag with a body that is not gzip.
        badGzip: Uint8Array.from([0x00, 0xca, 1, 0x02, 1, 2, 3, 4, 5, 6, 7, 8]),
        // Not a frame and not JSON.
        notJson: utf8('{"unterminated'),
      };
      for (const [key, bytes] of Object.entries(planted)) await store.set(key, bytes, 60_000);
      for (const key of Object.keys(planted)) {
        if (key === 'notJson' && h.shape.codec !== undefined) continue;
        await expectErrorCode(cache.get(key), BAD_PAYLOAD_CODES, `get(${key})`);
      }
      // The raw-bytes API decodes frames too.
      await expectErrorCode(cache.getBytes('badGzip'), BAD_PAYLOAD_CODES, 'getBytes(badGzip)');
      // A bad entry does not poison the cache.
      await cache.set('fine', 'ok', '1m');
      expect(await cache.get('fine')).toBe('ok');
    },
  },
  {
    name: 'maxValueBytes rejects an oversized value with ValueTooLargeError before any store call',
    async run(h) {
      const store = await h.store();
      const recorder = recordingStore(store);
      const limit = h.shape.maxValueBytes ?? 1024;
      const { cache } = await h.open({ maxValueBytes: limit }, recorder);
      // Base64 of noise: a compressor cannot shrink it back under the limit.
      const big = Buffer.from(noise(limit * 3)).toString('base64');
      const error = await expectErrorCode(cache.set('big', big, '1m'), ['CACHE_VALUE_TOO_LARGE'], 'set');
      // The facade enforces the smaller of its own limit and the backend's cap.
      const effective = Math.min(limit, store.capabilities.maxValueBytes ?? Number.POSITIVE_INFINITY);
      expect((error as unknown as { limit: number }).limit).toBe(effective);
      await expectErrorCode(
        cache.setMany([
          { key: 'small', value: 'ok' },
          { key: 'big', value: big },
        ]),
        ['CACHE_VALUE_TOO_LARGE'],
        'setMany with one oversized entry',
      );
      await expectErrorCode(
        cache.setBytes('big', noise(limit + 1), '1m'),
        ['CACHE_VALUE_TOO_LARGE'],
        'setBytes',
      );
      expect(recorder.calls, 'store calls made for oversized values').toEqual([]);
      expect(await store.getMany(['big', 'small']), 'nothing written').toEqual([undefined, undefined]);
      await cache.set('fits', 'small value', '1m');
      expect(await cache.get('fits')).toBe('small value');
    },
  },
];
