import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { fromUtf8 } from '@cache/core';
import { describe, expect, it } from 'vitest';
import { NatsStore } from '../src/index.js';
import { SHARED_NATS_URL } from './support/nats-server.js';

const run = promisify(execFile);
const WORKER = fileURLToPath(new URL('./fixtures/increment-worker.mjs', import.meta.url));
const BUILT = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const PROCESSES = 4;
const PER_PROCESS = 2_500;

describe('NatsStore increment across processes', () => {
  it(`${PROCESSES} processes × ${PER_PROCESS} increments = exactly ${PROCESSES * PER_PROCESS}`, async () => {
    // The children import the package as an application would: through its build.
    expect(existsSync(BUILT), 'packages/nats/dist is missing: run `pnpm build` in packages/nats first').toBe(
      true,
    );
    const bucket = 'cache_nats_pkg_test';
    const prefix = `xp_${randomBytes(5).toString('hex')}`;
    const outputs = await Promise.all(
      Array.from({ length: PROCESSES }, () =>
        run(process.execPath, [WORKER, SHARED_NATS_URL, bucket, prefix, 'counter', String(PER_PROCESS)]),
      ),
    );
    const reports = outputs.map(({ stdout }) => JSON.parse(stdout) as { ok: boolean; last: number });
    expect(reports.every((r) => r.ok)).toBe(true);
    const store = new NatsStore({ servers: SHARED_NATS_URL, bucket, prefix });
    try {
      expect(Number(fromUtf8((await store.get('counter')) as Uint8Array))).toBe(PROCESSES * PER_PROCESS);
      // The process that finished last saw the final value.
      expect(Math.max(...reports.map((r) => r.last))).toBe(PROCESSES * PER_PROCESS);
    } finally {
      await store.flush();
      await store.close();
    }
  }, 120_000);
});
