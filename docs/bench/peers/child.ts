/**
 * Runs one workload of the peer suite in this (forked) process and sends its
 * {@link WorkloadResult} to the parent: each workload gets a fresh process, so one
 * library's JIT state and heap do not colour the next workload's figures.
 *
 * Usage (by `run.ts`): `fork('child.ts', [workload])` with `PEERS_REDIS_URL` and
 * `PEERS_PREFIX` in the environment.
 *
 * @packageDocumentation
 */

import type { WorkloadContext, WorkloadResult } from './figures.js';

const name = process.argv[2] ?? '';
const context: WorkloadContext = {
  url: process.env.PEERS_REDIS_URL ?? 'redis://127.0.0.1:6379',
  prefix: `${process.env.PEERS_PREFIX ?? `peers-${process.pid}`}-${name}`,
};
const workload = (await import(`./${name}.js`)) as {
  run: (context: WorkloadContext) => Promise<WorkloadResult>;
};
const result = await workload.run(context);
await new Promise<void>((resolve, reject) =>
  process.send?.(result, (error: Error | null) => (error ? reject(error) : resolve())),
);
// Some peers keep timers or sockets alive after close (BentoCache's bus, node-redis):
// the result is sent, so nothing is left to wait for.
process.exit(0);
