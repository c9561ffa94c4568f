import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { fromUtf8 } from '@cache/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStore } from '../src/index.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION, LocalDynamo } from './support/dynalite-server.js';

const run = promisify(execFile);
const WORKER = fileURLToPath(new URL('./fixtures/increment-worker.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const PROCESSES = 4;
const PER_PROCESS = 2_500;

let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await LocalDynamo.start();
});

afterAll(async () => {
  await dynamo?.stop();
});

describe('DynamoStore increment across processes', () => {
  it(`${PROCESSES} processes × ${PER_PROCESS} increments = exactly ${PROCESSES * PER_PROCESS}`, async () => {
    // The children import the package as an application would: through its build.
    expect(
      existsSync(BUILT),
      'packages/dynamodb/dist is missing: run `pnpm build` in packages/dynamodb',
    ).toBe(true);
    const table = `xp_${randomBytes(4).toString('hex')}`;
    const prefix = 'cross';
    const store = new DynamoStore({
      endpoint: dynamo.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      table,
      prefix,
    });
    try {
      // Create the table up front so the children measure counting, not setup.
      await store.set('warm-up', new Uint8Array([1]), 60_000);
      const outputs = await Promise.all(
        Array.from({ length: PROCESSES }, () =>
          run(process.execPath, [WORKER, dynamo.endpoint, table, prefix, 'counter', String(PER_PROCESS)]),
        ),
      );
      const reports = outputs.map(({ stdout }) => JSON.parse(stdout) as { ok: boolean; last: number });
      expect(reports.every((r) => r.ok)).toBe(true);
      expect(fromUtf8((await store.get('counter')) as Uint8Array)).toBe(String(PROCESSES * PER_PROCESS));
      expect(Math.max(...reports.map((r) => r.last))).toBe(PROCESSES * PER_PROCESS);
    } finally {
      await store.close();
    }
  }, 180_000);
});
