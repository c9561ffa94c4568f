import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'vitest';

const run = promisify(execFile);
const WORKER = fileURLToPath(new URL('../workers/kv-increment-worker.mjs', import.meta.url));

/** What {@link expectExactCrossProcessCount} runs. */
export interface KvIncrementRun {
  /** `'nats'` or `'dynamodb'`. */
  readonly driver: 'nats' | 'dynamodb';
  /** Servers (NATS) or endpoint (DynamoDB). */
  readonly address: string;
  /** Bucket (NATS) or table (DynamoDB). */
  readonly container: string;
  /** Store prefix shared by all processes. */
  readonly prefix: string;
  readonly processes: number;
  readonly perProcess: number;
  /** Calls in flight per process. */
  readonly concurrency: number;
}

/**
 * Runs `processes` child processes that each increment one counter `perProcess`
 * times through the built driver, and asserts that every increment saw a
 * distinct value from 1 to the total: no update lost or applied twice.
 *
 * @returns the total
 */
export async function expectExactCrossProcessCount(options: KvIncrementRun): Promise<number> {
  const args = [options.driver, options.address, options.prefix, options.container, 'hits'];
  const outputs = await Promise.all(
    Array.from({ length: options.processes }, () =>
      run(process.execPath, [WORKER, ...args, String(options.perProcess), String(options.concurrency)], {
        maxBuffer: 16 * 1024 * 1024,
      }),
    ),
  );
  const seen = outputs.flatMap(({ stdout }) => JSON.parse(stdout) as number[]);
  const total = options.processes * options.perProcess;
  expect(seen.length).toBe(total);
  expect(new Set(seen).size).toBe(total);
  expect(Math.min(...seen)).toBe(1);
  expect(Math.max(...seen)).toBe(total);
  return total;
}
