import { describe, expect, it } from 'vitest';
import { chunk, sendUntilProcessed, UnprocessedItemsError } from '../src/batch.js';

describe('batch helpers', () => {
  it('chunks without losing or reordering items', () => {
    const items = Array.from({ length: 53 }, (_, i) => i);
    const chunks = chunk(items, 25);
    expect(chunks.map((c) => c.length)).toEqual([25, 25, 3]);
    expect(chunks.flat()).toEqual(items);
    expect(chunk([], 25)).toEqual([]);
  });

  it('resends exactly the unprocessed part until nothing is left', async () => {
    const sent: number[][] = [];
    // Stands in for a throttled server: processes one item per call.
    await sendUntilProcessed(
      [1, 2, 3],
      async (batch) => {
        sent.push(batch);
        return batch.slice(1);
      },
      Date.now() + 10_000,
    );
    expect(sent).toEqual([[1, 2, 3], [2, 3], [3]]);
  });

  it('gives up with UnprocessedItemsError at the deadline', async () => {
    const started = Date.now();
    const error = await sendUntilProcessed([1, 2], async (batch) => batch, Date.now() + 200).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnprocessedItemsError);
    expect((error as UnprocessedItemsError).remaining).toBe(2);
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});
