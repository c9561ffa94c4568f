import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStore } from '../src/index.js';
import { claimedRound, crashValue } from './fixtures/crash-values.mjs';
import { assertBuilt, Child } from './support/child.js';
import { makeTempDir, removeTempDir } from './support/temp-dir.js';

const KEYS = 24;
const ATTEMPTS = 4;

/** Names of the files in `folder`'s fan-out folders. */
async function filesUnder(folder: string): Promise<string[]> {
  const names: string[] = [];
  for (const fanout of await readdir(folder)) names.push(...(await readdir(join(folder, fanout))));
  return names;
}

describe('crash safety', () => {
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

  it('a writer SIGKILLed mid-write leaves only whole values, no blocking lock, and orphans prune removes', async () => {
    let orphansSeen = 0;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const prefix = `crash-${attempt}`;
      const child = new Child('crash-writer.mjs', [dir, prefix, String(KEYS)]);
      children.push(child);
      // Kill it when half of a round's writes are done: the other half are in flight.
      await child.waitForLine((line) => line === `half ${2 + attempt}`);
      child.kill();
      expect((await child.exited).signal).toBe('SIGKILL');
      // Everything it printed before dying has been read by now: the rounds it finished.
      const finished =
        1 + Math.max(...child.lines.filter((l) => l.startsWith('round ')).map((l) => Number(l.slice(6))));
      expect(finished).toBeGreaterThanOrEqual(2 + attempt);

      const store = new FileStore({
        dir,
        prefix,
        lockTimeout: 2_000,
        staleLockAge: 500,
        pruneInterval: 0,
      });
      const check = async (): Promise<void> => {
        for (let index = 0; index < KEYS; index++) {
          const value = await store.get(`k${index}`);
          // Written in every finished round, so present; and whole: exactly the bytes of one round.
          expect(value, `k${index}`).toBeDefined();
          const round = claimedRound(index, value!);
          expect(round, `k${index} head`).toBeDefined();
          // From the last finished round or the one in flight, nothing older or newer.
          expect(round!, `k${index} round`).toBeGreaterThanOrEqual(finished - 1);
          expect(round!, `k${index} round`).toBeLessThanOrEqual(finished);
          expect(Buffer.from(value!).equals(crashValue(index, round!)), `k${index} bytes`).toBe(true);
        }
      };
      await check();

      // Incremented once per round: finished rounds, plus possibly the one in flight.
      const counter = Number(Buffer.from((await store.get('counter'))!).toString());
      expect(counter).toBeGreaterThanOrEqual(finished);
      expect(counter).toBeLessThanOrEqual(finished + 1);
      // A lock the dead writer held is broken at once (its pid is gone); one it was
      // killed between creating and writing (no owner inside) after staleLockAge. Either
      // way every key it locked is usable again well within the 2 s lock timeout.
      expect(await store.increment('counter', 1, 0)).toBe(counter + 1);
      for (let n = 0; n < 4; n++)
        expect(await store.deleteIfEquals(`added-${n}`, new Uint8Array(0))).toBe(false);
      expect(await store.add('added-fresh', crashValue(1, 1), 0)).toBe(true);

      const leftovers = (await filesUnder(store.directory)).filter((name) => !name.endsWith('.entry'));
      const orphans = leftovers.filter((name) => name.endsWith('.tmp')).length;
      orphansSeen += orphans;
      const removed = await store.prune({ limit: 10_000 });
      expect(removed).toBeGreaterThanOrEqual(orphans);
      // Only entries remain, and they still read back whole.
      expect((await filesUnder(store.directory)).filter((name) => !name.endsWith('.entry'))).toEqual([]);
      await check();
      await store.close();
    }
    // The kills did land in the middle of writes (otherwise this test proves little).
    expect(orphansSeen).toBeGreaterThan(0);
  }, 60_000);
});
