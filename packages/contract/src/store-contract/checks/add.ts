import { expect } from 'vitest';
import { expectBytes, text } from '../../support/bytes.js';
import { waitForExpiry } from '../../support/expiry.js';
import { shortTtl } from '../../support/ttl.js';
import type { StoreCheck } from '../check.js';

const LONG_TTL = 3_600_000;

/** Atomic set-if-absent. */
export const addChecks: readonly StoreCheck[] = [
  {
    name: 'add writes an absent key and resolves true',
    async run(h) {
      const store = await h.open();
      expect(await store.add('k', text('first'), LONG_TTL)).toBe(true);
      expectBytes(await store.get('k'), text('first'), 'value written by add');
    },
  },
  {
    name: 'add on a present key resolves false and keeps the value',
    async run(h) {
      const store = await h.open();
      await store.set('k', text('original'), LONG_TTL);
      expect(await store.add('k', text('intruder'), LONG_TTL)).toBe(false);
      expectBytes(await store.get('k'), text('original'), 'value after a refused add');
    },
  },
  {
    name: 'add honours its ttl and treats an expired entry as absent',
    async run(h) {
      const store = await h.open();
      const caps = h.capabilities(store);
      const ttl = shortTtl(caps);
      const writtenAt = Date.now();
      expect(await store.add('k', text('old'), ttl)).toBe(true);
      await waitForExpiry(store, 'k', ttl, caps, writtenAt);
      // The backend may still hold the row physically (lazy expiry): add must not see it.
      expect(await store.add('k', text('new'), LONG_TTL), 'add after the previous entry expired').toBe(true);
      expectBytes(await store.get('k'), text('new'), 'value written by the second add');
    },
  },
  {
    name: 'add is atomic: exactly one of 20 concurrent adds wins',
    async run(h) {
      const store = await h.open();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.add('contended', text(`writer-${i}`), LONG_TTL)),
      );
      const winners = results.flatMap((won, i) => (won ? [i] : []));
      expect(winners, 'indices of the adds that resolved true').toHaveLength(1);
      expectBytes(await store.get('contended'), text(`writer-${winners[0]}`), "the winner's value");
    },
  },
];
