import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../src/index.js';
import { runWorkers } from './support/workers.js';

const dir = mkdtempSync(join(tmpdir(), 'cache-sqlite-mp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PROCESSES = 4;

describe('several processes sharing one SQLite file', () => {
  it('4 processes × 2,500 increments of one counter = exactly 10,000, every value seen once', async () => {
    const filename = join(dir, 'increment.db');
    const results = await runWorkers<number[]>(
      Array.from(
        { length: PROCESSES },
        () => ({ kind: 'increment', filename, prefix: 'mp', count: 2_500 }) as const,
      ),
    );
    // Each increment returned a distinct intermediate value: no lost update, no duplicate.
    const all = results.flat().sort((a, b) => a - b);
    expect(all).toHaveLength(10_000);
    expect(all).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
    // Each worker's own sequence is strictly increasing (it waited for each result).
    for (const seen of results)
      expect(seen.every((v, i) => i === 0 || v > (seen[i - 1] as number))).toBe(true);
    const store = new SqliteStore({ filename, prefix: 'mp' });
    expect(new TextDecoder().decode(await store.get('counter'))).toBe('10000');
    await store.close();
  }, 120_000);

  it('concurrent add across 4 processes: exactly one winner per key, also over expired rows', async () => {
    const filename = join(dir, 'add.db');
    const keys = Array.from({ length: 300 }, (_, i) => `lock-${i}`);
    // Half the keys hold an entry that has already expired: add must treat it as absent,
    // and still let exactly one process take it over.
    const setup = new SqliteStore({ filename, prefix: 'mp' });
    await setup.setMany(
      keys.filter((_, i) => i % 2 === 0).map((key) => ({ key, value: new Uint8Array([0]), ttl: 1 })),
    );
    await expect.poll(() => setup.get(keys[0] as string)).toBeUndefined();
    await setup.close();

    const results = await runWorkers<string[]>(
      Array.from({ length: PROCESSES }, () => ({ kind: 'add', filename, prefix: 'mp', keys }) as const),
    );
    // Every key won exactly once across all processes: none missing, none twice.
    const winners = results.flat().sort();
    expect(winners).toEqual([...keys].sort());

    const check = new SqliteStore({ filename, prefix: 'mp' });
    const values = await check.getMany(keys);
    expect(values.every((v) => v !== undefined && new TextDecoder().decode(v).startsWith('pid-'))).toBe(true);
    await check.close();
  }, 120_000);

  it('4 processes creating the table of a fresh file at the same moment all succeed', async () => {
    const filename = join(dir, 'create.db');
    const results = await runWorkers<boolean>(
      Array.from(
        { length: PROCESSES },
        () => ({ kind: 'create', filename, prefix: 'mp', table: 'raced_table' }) as const,
      ),
    );
    expect(results).toEqual([true, true, true, true]);
  }, 60_000);
});
