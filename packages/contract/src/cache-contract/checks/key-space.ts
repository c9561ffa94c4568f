import { gzipSync } from 'node:zlib';
import { utf8 } from '@cache/core';
import { expect } from 'vitest';
import { expectErrorCode } from '../../support/error-code.js';
import type { CacheCheck } from '../check.js';

const LONG = 60_000;
const KEY_CODES = ['CACHE_INVALID_KEY'] as const;

/** The key space, planted payloads and bounded decompression, on every driver. */
export const keySpaceChecks: readonly CacheCheck[] = [
  {
    name: 'every key-taking method refuses undefined, non-string and ill-formed keys before any store call',
    async run(h) {
      const { cache, store } = await h.open();
      for (const key of [undefined, null, 7, '\uD800x', '\u001flock:job'] as unknown as string[]) {
        const what = JSON.stringify(key) ?? String(key);
        await expectErrorCode(cache.set(key, 1, LONG), KEY_CODES, `set(${what})`);
        await expectErrorCode(cache.get(key), KEY_CODES, `get(${what})`);
        await expectErrorCode(cache.tryLock(key, LONG), KEY_CODES, `tryLock(${what})`);
        await expectErrorCode(
          cache.withLock(key, LONG, () => 1),
          KEY_CODES,
          `withLock(${what})`,
        );
        await expectErrorCode(cache.rateLimit(key, 5, LONG), KEY_CODES, `rateLimit(${what})`);
        await expectErrorCode(
          cache.remember(key, LONG, () => 1),
          KEY_CODES,
          `remember(${what})`,
        );
      }
      expect(await store.get('undefined'), 'no entry named "undefined" was written').toBeUndefined();
    },
  },
  {
    name: 'user keys cannot read, block or break locks and rate-limit windows',
    async run(h) {
      const { cache } = await h.open();
      await cache.set('lock:job', 'a user value', LONG);
      await cache.set('rate:api', 'another user value', LONG);
      const lock = await cache.tryLock('job', LONG);
      expect(lock, 'set("lock:job") does not block tryLock("job")').toBeDefined();
      expect(await cache.get('lock:job'), 'get("lock:job") reads the user value').toBe('a user value');
      const counted = await cache.rateLimit('api', 3, LONG);
      expect(counted.count, 'the rate window starts from 0 beside a user key "rate:api"').toBe(1);
      expect(await cache.get('rate:api')).toBe('another user value');
      expect(await lock?.extend(LONG), 'the owner extends its lock').toBe(true);
      expect(await cache.tryLock('job', LONG), 'still held after extend').toBeUndefined();
      expect(await lock?.release()).toBe(true);
      expect(await lock?.extend(LONG), 'extend after release').toBe(false);
    },
  },
  {
    name: 'a compressed entry that inflates past maxDecompressedBytes is a CorruptPayloadError',
    async run(h) {
      const { cache, store } = await h.open({ maxDecompressedBytes: 256 * 1024, encryption: undefined });
      // 4 MiB of spaces gzip to ~4 KiB: a small stored entry that would inflate 1,000×.
      const body = gzipSync(Buffer.alloc(4 * 1024 * 1024, 0x20));
      await store.set('bomb', Uint8Array.from([0x00, 0xca, 1, 0b0010, ...body]), LONG);
      const error = await expectErrorCode(cache.get('bomb'), ['CACHE_CORRUPT_PAYLOAD'], 'get(bomb)');
      expect(error.message).toMatch(/maxDecompressedBytes/);
    },
  },
  {
    name: 'with encryption configured, planted unencrypted entries are refused (encryption only)',
    async run(h, test) {
      if (h.shape.encryption === undefined) test.skip('the suite runs without encryption');
      const { cache, store } = await h.open();
      await store.set('planted', utf8('{"admin":true}'), LONG);
      await expectErrorCode(cache.get('planted'), ['CACHE_DECRYPTION_FAILED'], 'get(planted JSON)');
      await cache.increment('hits', 2, LONG);
      expect(await cache.get('hits'), 'counters still read').toBe(2);
    },
  },
];
