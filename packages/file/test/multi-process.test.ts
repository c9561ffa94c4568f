import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStore } from '../src/index.js';
import { assertBuilt, Child } from './support/child.js';
import { makeTempDir, removeTempDir } from './support/temp-dir.js';

const PROCESSES = 4;

/** Starts the children, waits until every one is loaded, then lets them all go at once. */
async function startTogether(children: Child[]): Promise<void> {
  await Promise.all(children.map((child) => child.waitForLine((line) => line === 'ready')));
  for (const child of children) child.send('go', { end: true });
}

describe('several processes sharing one directory', () => {
  let dir: string;
  const children: Child[] = [];

  beforeAll(async () => {
    assertBuilt();
    dir = await makeTempDir();
  });

  afterAll(async () => {
    for (const child of children) child.kill();
    await removeTempDir(dir);
  });

  it('4 processes × 2,500 increments of one counter = exactly 10,000, every value returned once', async () => {
    const perProcess = 2_500;
    const started = children.push(
      ...Array.from(
        { length: PROCESSES },
        () => new Child('increment-worker.mjs', [dir, 'multi', 'counter', String(perProcess), '4']),
      ),
    );
    const mine = children.slice(started - PROCESSES);
    await startTogether(mine);
    const returned = (await Promise.all(mine.map((child) => child.result<number[]>()))).flat();

    const total = PROCESSES * perProcess;
    // No lost update and no duplicate: the values returned are exactly 1..10,000.
    expect(returned).toHaveLength(total);
    const sorted = [...returned].sort((a, b) => a - b);
    expect(sorted[0]).toBe(1);
    expect(sorted.at(-1)).toBe(total);
    expect(new Set(returned).size).toBe(total);

    const store = new FileStore({ dir, prefix: 'multi', pruneInterval: 0 });
    expect(Buffer.from((await store.get('counter'))!).toString()).toBe(String(total));
    await store.close();
  }, 60_000);

  it('100 concurrent adds of one key from 4 processes have exactly one winner', async () => {
    const perProcess = 25;
    const started = children.push(
      ...Array.from(
        { length: PROCESSES },
        (_, id) => new Child('add-worker.mjs', [dir, 'multi', 'once', String(perProcess), String(id)]),
      ),
    );
    const mine = children.slice(started - PROCESSES);
    await startTogether(mine);
    const winners = (await Promise.all(mine.map((child) => child.result<string[]>()))).flat();

    expect(winners).toHaveLength(1);
    const store = new FileStore({ dir, prefix: 'multi', pruneInterval: 0 });
    expect(Buffer.from((await store.get('once'))!).toString()).toBe(winners[0]);
    await store.close();
  }, 60_000);
});
