import { expect } from 'vitest';
import { expectErrorCode } from '../../support/error-code.js';
import { expectBytes, text } from '../../support/bytes.js';
import { shortTtl } from '../../support/ttl.js';
import type { StoreCheck } from '../check.js';

const LONG_TTL = 3_600_000;

/** close, and sharing between two clients of a shared backend. */
export const lifecycleChecks: readonly StoreCheck[] = [
  {
    name: 'close is idempotent',
    async run(h) {
      const used = await h.open();
      // A short TTL: after close the harness cannot flush this store, and nothing may be left behind.
      await used.set('k', text('v'), shortTtl(h.capabilities(used)));
      await expect(used.close(), 'first close').resolves.toBeUndefined();
      await expect(used.close(), 'second close').resolves.toBeUndefined();
      const unused = await h.open();
      await expect(unused.close(), 'close of a store that was never used').resolves.toBeUndefined();
      await expect(unused.close(), 'second close of an unused store').resolves.toBeUndefined();
    },
  },
  {
    name: 'two stores on one prefix share entries and counters (shared backends only)',
    async run(h, test) {
      const prefix = h.prefix();
      const first = await h.open(prefix);
      if (!h.capabilities(first).shared) {
        test.skip('capabilities.shared is false: stores on one prefix need not share entries');
      }
      const second = await h.open(prefix);
      await first.set('written-by-first', text('hello'), LONG_TTL);
      expectBytes(
        await second.get('written-by-first'),
        text('hello'),
        'second client reads first client write',
      );
      // Two clients incrementing one counter concurrently: atomic across clients.
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          (i % 2 === 0 ? first : second).increment('shared', 1, LONG_TTL),
        ),
      );
      const third = await h.open(prefix);
      expectBytes(await third.get('shared'), text('100'), 'counter incremented by two clients');
      expect(await second.add('written-by-first', text('x'), LONG_TTL), 'add across clients').toBe(false);
    },
  },
  {
    name: 'close waits for calls in flight, and calls after close fail with StoreClosedError',
    async run(h) {
      const store = await h.open();
      const ttl = shortTtl(h.capabilities(store)) * 4;
      await store.set('seed', text('0'), ttl);
      const settled: { ok: boolean; code?: unknown }[] = [];
      const calls = Array.from({ length: 50 }, (_, i) => {
        const call =
          i % 3 === 0
            ? store.set(`k${i}`, text(`v${i}`), ttl)
            : i % 3 === 1
              ? store.get('seed')
              : store.increment('seed', 1, ttl);
        return call.then(
          () => settled.push({ ok: true }),
          (error: unknown) => settled.push({ ok: false, code: (error as { code?: unknown }).code }),
        );
      });
      await store.close();
      expect(settled.length, 'calls settled when close() resolved').toBe(50);
      for (const outcome of settled) {
        if (!outcome.ok)
          expect(outcome.code, 'an in-flight call may only fail as closed').toBe('CACHE_STORE_CLOSED');
      }
      await Promise.all(calls);
      await expectErrorCode(store.get('seed'), ['CACHE_STORE_CLOSED'], 'get after close');
      await expectErrorCode(store.set('x', text('1'), ttl), ['CACHE_STORE_CLOSED'], 'set after close');
      await expectErrorCode(store.getMany(['seed']), ['CACHE_STORE_CLOSED'], 'getMany after close');
      await expectErrorCode(store.increment('seed', 1, ttl), ['CACHE_STORE_CLOSED'], 'increment after close');
      await expectErrorCode(store.flush(), ['CACHE_STORE_CLOSED'], 'flush after close');
      await expect(store.close(), 'close again').resolves.toBeUndefined();
    },
  },
];
