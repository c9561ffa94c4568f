import type { Store } from '@cache/core';
import { expect } from 'vitest';
import { expectBytes, text } from '../../support/bytes.js';
import type { StoreCheck } from '../check.js';

const LONG_TTL = 3_600_000;

interface Outcome {
  readonly operation: string;
  readonly rejected: boolean;
  readonly error?: unknown;
}

/** Every operation of `store`, each with `options`; none would fail without them. */
function everyOperation(
  store: Store,
  options: { readonly signal: AbortSignal },
): readonly (readonly [string, () => Promise<unknown>])[] {
  return [
    ['get', () => store.get('kept', options)],
    ['getMany', () => store.getMany(['kept'], options)],
    ['set', () => store.set('kept', text('after'), LONG_TTL, options)],
    ['setMany', () => store.setMany([{ key: 'new', value: text('x'), ttl: LONG_TTL }], options)],
    ['add', () => store.add('added', text('x'), LONG_TTL, options)],
    ['increment', () => store.increment('counter', 1, LONG_TTL, options)],
    ['delete', () => store.delete('kept', options)],
    ['deleteMany', () => store.deleteMany(['kept'], options)],
    ['deleteIfEquals', () => store.deleteIfEquals('kept', text('before'), options)],
    ['flush', () => store.flush(options)],
  ];
}

/** Cancellation at the Store level (the facade's own checks are in the cache contract). */
export const signalChecks: readonly StoreCheck[] = [
  {
    name: 'an already-aborted signal: every operation rejects with its reason and changes nothing',
    async run(h, test) {
      const store = await h.open();
      await store.set('kept', text('before'), LONG_TTL);
      const reason = new Error('the caller gave up');
      const options = { signal: AbortSignal.abort(reason) };
      const outcomes: Outcome[] = await Promise.all(
        everyOperation(store, options).map(([operation, call]) =>
          call().then(
            () => ({ operation, rejected: false }),
            (error: unknown) => ({ operation, rejected: true, error }),
          ),
        ),
      );
      if (!h.capabilities(store).shared && outcomes.every((outcome) => !outcome.rejected)) {
        test.skip('an in-process store completes each call synchronously: it may ignore the signal');
      }
      for (const outcome of outcomes) {
        expect(outcome.rejected, `${outcome.operation} rejects`).toBe(true);
        expect(outcome.error, `${outcome.operation} rejects with the signal's reason`).toBe(reason);
      }
      expectBytes(await store.get('kept'), text('before'), 'the entry is untouched');
      expect(await store.getMany(['new', 'added', 'counter']), 'nothing was written').toEqual([
        undefined,
        undefined,
        undefined,
      ]);
    },
  },
];
