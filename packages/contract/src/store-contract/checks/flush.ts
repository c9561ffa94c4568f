import { NO_EXPIRY } from '@cache/core';
import { expect } from 'vitest';
import { expectBytes, text } from '../../support/bytes.js';
import type { StoreCheck } from '../check.js';

const LONG_TTL = 3_600_000;
const KEYS = ['one', 'two:with:colons', 'unicode 🚀'] as const;

/** Prefix-scoped flush. */
export const flushChecks: readonly StoreCheck[] = [
  {
    name: 'flush removes every key of this prefix and the store stays usable',
    async run(h) {
      const store = await h.open();
      await store.set('ttl', text('1'), LONG_TTL);
      await store.set('forever', text('2'), NO_EXPIRY);
      await store.increment('counter', 3, LONG_TTL);
      await store.set('unicode 中文', text('4'), LONG_TTL);
      await store.flush();
      expect(await store.getMany(['ttl', 'forever', 'counter', 'unicode 中文'])).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
      await store.set('after', text('5'), LONG_TTL);
      expectBytes(await store.get('after'), text('5'), 'write after flush');
      expect(await store.add('ttl', text('6'), LONG_TTL), 'add of a flushed key').toBe(true);
      await expect(store.flush(), 'flush again').resolves.toBeUndefined();
    },
  },
  {
    name: 'flush spares other prefixes on the same backend',
    async run(h) {
      const prefix = h.prefix();
      const store = await h.open(prefix);
      // Neighbours chosen to trip the usual flush bugs: an unrelated prefix, one that
      // extends ours (`LIKE 'p%'` without a separator), one that ours extends, and one that
      // equals ours once `_` is read as a LIKE wildcard.
      const neighbourPrefixes = {
        unrelated: h.prefix(),
        extending: `${prefix}x`,
        extended: prefix.slice(0, -1),
        wildcard: prefix.replace('_', 'X'),
      };
      const neighbours = await Promise.all(
        Object.entries(neighbourPrefixes).map(async ([role, p]) => ({ role, store: await h.open(p) })),
      );
      for (const key of KEYS) await store.set(key, text(`mine:${key}`), LONG_TTL);
      for (const { role, store: neighbour } of neighbours) {
        for (const key of KEYS) await neighbour.set(key, text(`${role}:${key}`), LONG_TTL);
      }
      for (const key of KEYS) {
        expectBytes(
          await store.get(key),
          text(`mine:${key}`),
          `own "${key}" before flush (neighbours overwrote it?)`,
        );
      }
      await store.flush();
      expect(await store.getMany(KEYS)).toEqual(KEYS.map(() => undefined));
      for (const { role, store: neighbour } of neighbours) {
        for (const key of KEYS) {
          expectBytes(
            await neighbour.get(key),
            text(`${role}:${key}`),
            `${role} neighbour's "${key}" after flush`,
          );
        }
      }
      // The other direction: flushing the neighbour whose prefix ours extends spares ours.
      for (const key of KEYS) await store.set(key, text(`mine:${key}`), LONG_TTL);
      const extended = neighbours.find((n) => n.role === 'extended');
      await extended?.store.flush();
      for (const key of KEYS) {
        expectBytes(
          await store.get(key),
          text(`mine:${key}`),
          `own "${key}" after a shorter prefix was flushed`,
        );
      }
    },
  },
];
