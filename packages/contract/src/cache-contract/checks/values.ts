import { fromUtf8 } from '@cache/core';
import { expect } from 'vitest';
import { expectBytes } from '../../support/bytes.js';
import type { CacheCheck } from '../check.js';

const SAMPLES: Record<string, unknown> = {
  object: { id: 7, name: 'Ada', tags: ['a', 'b'], nested: { ok: true, none: null } },
  array: [1, 'two', { three: 3 }, [4]],
  text: 'unicode ✓ 中文 🚀',
  emptyText: '',
  zero: 0,
  negative: -12.5,
  falseValue: false,
  nullValue: null,
};

/** Typed values, batch calls, counters, raw bytes and strings. */
export const valueChecks: readonly CacheCheck[] = [
  {
    name: 'get/set round trip typed values; a miss is undefined',
    async run(h) {
      const { cache } = await h.open();
      for (const [key, value] of Object.entries(SAMPLES)) await cache.set(key, value, '1m');
      for (const [key, value] of Object.entries(SAMPLES)) {
        expect(await cache.get(key), `get(${key})`).toEqual(value);
      }
      expect(await cache.get('missing')).toBeUndefined();
      // Falsy values are hits, not misses.
      expect(await cache.get('falseValue')).toBe(false);
      expect(await cache.get('nullValue')).toBeNull();
    },
  },
  {
    name: 'getMany/setMany/add/pull/delete behave like their single-key forms',
    async run(h) {
      const { cache } = await h.open();
      await cache.setMany([
        { key: 'a', value: { n: 1 } },
        { key: 'b', value: [2], ttl: '1m' },
      ]);
      expect(await cache.getMany(['b', 'missing', 'a'])).toEqual([[2], undefined, { n: 1 }]);
      expect(await cache.add('a', 'other', '1m'), 'add over a present key').toBe(false);
      expect(await cache.add('c', 'third', '1m'), 'add of an absent key').toBe(true);
      expect(await cache.pull('c')).toBe('third');
      expect(await cache.get('c'), 'after pull').toBeUndefined();
      await cache.deleteMany(['a', 'missing']);
      await cache.delete('b');
      expect(await cache.getMany(['a', 'b'])).toEqual([undefined, undefined]);
    },
  },
  {
    name: 'counters increment and decrement atomically and read back as numbers',
    async run(h) {
      const { cache } = await h.open();
      expect(await cache.increment('n')).toBe(1);
      expect(await cache.increment('n', 10, '1m')).toBe(11);
      expect(await cache.decrement('n', 3)).toBe(8);
      const results = await Promise.all(Array.from({ length: 50 }, () => cache.increment('n')));
      expect(new Set(results).size, 'distinct results of 50 concurrent increments').toBe(50);
      expect(await cache.get<number>('n')).toBe(58);
    },
  },
  {
    name: 'raw bytes and strings round trip without the codec',
    async run(h) {
      const { cache, store } = await h.open();
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      await cache.setBytes('bytes', all, '1m');
      expectBytes(await cache.getBytes('bytes'), all, 'getBytes');
      await cache.setBytes('empty', new Uint8Array(0), '1m');
      expectBytes(await cache.getBytes('empty'), new Uint8Array(0), 'getBytes of an empty value');
      await cache.setString('text', 'plain ✓', '1m');
      expect(await cache.getString('text')).toBe('plain ✓');
      if (!h.shaped) {
        // Without shaping a string is stored as its bare UTF-8, readable with the backend's tools.
        const raw = await store.get('text');
        expect(raw && fromUtf8(raw), 'stored bytes of setString without shaping').toBe('plain ✓');
      }
    },
  },
];
