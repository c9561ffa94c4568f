import { isSyncReadStore, type SyncReadStore } from '@cache/core';
import { expect } from 'vitest';
import { expectBytes, text } from '../../support/bytes.js';
import { POLL_INTERVAL_MS, expiryDeadline, shortTtl } from '../../support/ttl.js';
import type { StoreCheck } from '../check.js';

const LONG_TTL = 3_600_000;

/** The error `call` throws synchronously, or a failure when it returns. */
function thrownBy(call: () => unknown, what: string): Error & { code?: unknown } {
  try {
    call();
  } catch (error) {
    return error as Error & { code?: unknown };
  }
  expect.fail(`${what}: expected getSync to throw`);
}

/** `getSync` (the optional synchronous read) answers exactly as `get` does. */
export const syncReadChecks: readonly StoreCheck[] = [
  {
    name: 'getSync agrees with get: hit, miss, overwrite, delete, expiry, bad key, after close (synchronous stores only)',
    async run(h, test) {
      const opened = await h.open();
      if (!isSyncReadStore(opened)) test.skip('the store has no getSync: its reads are asynchronous only');
      const store = opened as SyncReadStore;
      expect(store.getSync('absent'), 'miss').toBeUndefined();
      await store.set('k', text('one'), LONG_TTL);
      expectBytes(store.getSync('k'), text('one'), 'hit');
      expectBytes(await store.get('k'), text('one'), 'get after getSync');
      // The bytes are the caller's: changing them changes nothing stored.
      const copy = store.getSync('k') as Uint8Array;
      copy.fill(0);
      expectBytes(store.getSync('k'), text('one'), 'hit after the caller changed its copy');
      await store.set('k', text('two'), LONG_TTL);
      expectBytes(store.getSync('k'), text('two'), 'overwrite');
      await store.delete('k');
      expect(store.getSync('k'), 'after delete').toBeUndefined();

      const ttl = shortTtl(h.capabilities(store));
      const written = Date.now();
      await store.set('short', text('v'), ttl);
      const deadline = written + expiryDeadline(h.capabilities(store), ttl);
      while (store.getSync('short') !== undefined) {
        expect(Date.now(), 'an expired entry reads as a miss by its deadline').toBeLessThan(deadline);
        await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
      }
      expect(await store.get('short'), 'get agrees the entry expired').toBeUndefined();

      const badKey = thrownBy(() => store.getSync('\uD800x'), 'lone surrogate key');
      expect(badKey.code, 'a malformed key is InvalidKeyError').toBe('CACHE_INVALID_KEY');

      await store.close();
      const closed = thrownBy(() => store.getSync('k'), 'after close');
      expect(closed.code, 'after close: StoreClosedError').toBe('CACHE_STORE_CLOSED');
    },
  },
];
