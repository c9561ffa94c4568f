import { expect } from 'vitest';
import { expectBytes, text } from '../../support/bytes.js';
import type { StoreCheck } from '../check.js';

const LONG_TTL = 3_600_000;

/**
 * Prefixes that nest into each other when a driver joins `<prefix>:<key>` without
 * escaping: `P` reads `P:b`'s key `k` as its own key `b:k`, and a `P*` glob (Redis
 * SCAN, SQL LIKE) flushes `P:b`, `P*` and `Pb` too.
 */
function nestedPrefixes(base: string): Record<string, string> {
  return { base, colon: `${base}:b`, star: `${base}*`, extended: `${base}b` };
}

/** Stores whose prefixes nest into each other stay apart. */
export const prefixChecks: readonly StoreCheck[] = [
  {
    name: 'prefixes P, P:b, P* and Pb never read each other and each flushes only its own keys',
    async run(h) {
      const base = h.prefix();
      const stores = Object.entries(nestedPrefixes(base));
      const opened = await Promise.all(stores.map(async ([role, p]) => ({ role, store: await h.open(p) })));
      // Keys that spell another store's key once the prefix is joined with ':'.
      const keys = ['k', 'b:k', 'b', '*', 'bk', ':k'];
      for (const { role, store } of opened) {
        for (const key of keys) await store.set(key, text(`${role}/${key}`), LONG_TTL);
      }
      for (const { role, store } of opened) {
        for (const key of keys) {
          expectBytes(await store.get(key), text(`${role}/${key}`), `${role} store reads its own "${key}"`);
        }
        const many = await store.getMany(keys);
        keys.forEach((key, i) => {
          expectBytes(many[i], text(`${role}/${key}`), `${role} store getMany → "${key}"`);
        });
      }
      // Flush each in turn: only its own keys go, the others stay whole.
      for (const [index, { role, store }] of opened.entries()) {
        await store.flush();
        expect(await store.getMany(keys), `${role} after its flush`).toEqual(keys.map(() => undefined));
        for (const { role: other, store: survivor } of opened.slice(index + 1)) {
          for (const key of keys) {
            expectBytes(
              await survivor.get(key),
              text(`${other}/${key}`),
              `${other} store's "${key}" after flushing ${role}`,
            );
          }
        }
      }
    },
  },
  {
    name: 'deleteMany and counters of one prefix leave a nested prefix alone',
    async run(h) {
      const base = h.prefix();
      const outer = await h.open(base);
      const inner = await h.open(`${base}:b`);
      await inner.set('k', text('inner'), LONG_TTL);
      await outer.deleteMany(['b:k', 'k']);
      expectBytes(await inner.get('k'), text('inner'), 'inner key after outer deleteMany(["b:k"])');
      expect(await outer.add('b:k', text('outer'), LONG_TTL), 'outer add of "b:k"').toBe(true);
      expectBytes(await inner.get('k'), text('inner'), 'inner key after outer add("b:k")');
      expect(await outer.increment('b:n', 1, LONG_TTL)).toBe(1);
      expect(await inner.get('n'), 'inner "n" after outer increment("b:n")').toBeUndefined();
    },
  },
];
