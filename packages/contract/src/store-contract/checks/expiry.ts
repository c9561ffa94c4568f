import { NO_EXPIRY } from '@cache/core';
import { expect } from 'vitest';
import { expectBytes, text } from '../../support/bytes.js';
import { waitForExpiry } from '../../support/expiry.js';
import { shortTtl } from '../../support/ttl.js';
import type { StoreCheck } from '../check.js';

/** TTL expiry, observed by polling. */
export const expiryChecks: readonly StoreCheck[] = [
  {
    name: 'an entry expires after its ttl and never before',
    async run(h) {
      const store = await h.open();
      const caps = h.capabilities(store);
      const ttl = shortTtl(caps);
      const writtenAt = Date.now();
      await store.set('short', text('v'), ttl);
      expectBytes(await store.get('short'), text('v'), 'read right after set');
      await waitForExpiry(store, 'short', ttl, caps, writtenAt);
      // getMany must filter expired entries too, even where the backend expires lazily.
      expect(await store.getMany(['short'])).toEqual([undefined]);
    },
  },
  {
    name: 'NO_EXPIRY and long-ttl entries survive while a short-ttl entry expires',
    async run(h) {
      const store = await h.open();
      const caps = h.capabilities(store);
      const ttl = shortTtl(caps);
      await store.set('forever', text('forever'), NO_EXPIRY);
      await store.set('hour', text('hour'), 3_600_000);
      const writtenAt = Date.now();
      await store.set('short', text('short'), ttl);
      await waitForExpiry(store, 'short', ttl, caps, writtenAt);
      expectBytes(await store.get('forever'), text('forever'), 'NO_EXPIRY entry after the short ttl passed');
      expectBytes(await store.get('hour'), text('hour'), 'one-hour entry after the short ttl passed');
    },
  },
  {
    name: 'set replaces the ttl of an existing entry',
    async run(h) {
      const store = await h.open();
      const caps = h.capabilities(store);
      const ttl = shortTtl(caps);
      // Short ttl first, then an overwrite without expiry: an upsert that keeps the old
      // expiry (a classic SQL upsert bug) would lose the entry with the sentinel.
      await store.set('extended', text('v1'), ttl);
      await store.set('extended', text('v2'), NO_EXPIRY);
      // And the reverse: an entry without expiry that is overwritten with a short ttl expires.
      await store.set('shortened', text('v1'), NO_EXPIRY);
      const writtenAt = Date.now();
      await store.set('shortened', text('v2'), ttl);
      await waitForExpiry(store, 'shortened', ttl, caps, writtenAt);
      expectBytes(await store.get('extended'), text('v2'), 'entry overwritten with NO_EXPIRY');
    },
  },
];
