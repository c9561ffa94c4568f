/**
 * Workload 3, cold-key stampede on Redis: 1,000 concurrent read-throughs of one cold
 * key whose factory takes 20 ms (ours `remember`, BentoCache `getOrSet`,
 * cache-manager `wrap`). Counted: factory calls per key, wall time from the first
 * call to the last caller's result, and the commands Redis ran for the key
 * (`INFO commandstats` deltas).
 *
 * - One process: 1,000 callers in this process, on the Redis-only configurations of
 *   the Redis workload (ours without `distributed`: in-process singleflight).
 * - Four processes: four forked workers (`stampede-worker.ts`) × 250 callers, all
 *   started at one agreed instant on the shared monotonic clock; each library with
 *   what it offers across processes (ours `distributed: true`, a lease in Redis whose
 *   waiters poll; BentoCache and cache-manager have nothing to turn on).
 *
 * Each library gets 5 cold keys per setting, in rotating order; figure = median,
 * range = min–max over the keys.
 *
 * @packageDocumentation
 */

import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { commandsDuring } from '../command-stats.js';
import { USER } from '../fixtures.js';
import {
  type Figure,
  LABELS,
  type Measure,
  spread,
  type WorkloadContext,
  type WorkloadResult,
} from './figures.js';
import { type Library, LIBRARIES, redisPeers, SETUP } from './libraries.js';
import type { WorkerCommand, WorkerReply } from './stampede-worker.js';

const CALLERS = 1_000;
const PROCESSES = 4;
const FACTORY_MS = 20;
const KEYS = 5;

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Per library: factory calls, wall ms and Redis commands of each cold key. */
interface Tally {
  readonly calls: number[][];
  readonly walls: number[][];
  readonly commands: number[][];
  wrong: number;
}
const tally = (): Tally => ({
  calls: LIBRARIES.map(() => []),
  walls: LIBRARIES.map(() => []),
  commands: LIBRARIES.map(() => []),
  wrong: 0,
});

/** The last key's commands by name, per setting and library (for the notes). */
const breakdown = new Map<string, string>();

/**
 * Commands the server ran during `work` (INFO commandstats delta; scripts' commands
 * included); the breakdown by name is kept under `label`.
 */
async function counted(admin: Redis, label: string, work: () => Promise<void>): Promise<number> {
  const counts = await commandsDuring(admin, work);
  breakdown.set(
    label,
    [...counts]
      .sort((a, b) => b[1] - a[1])
      .map(([name, calls]) => `${name.toUpperCase()} ×${calls}`)
      .join(', '),
  );
  return [...counts.values()].reduce((sum, calls) => sum + calls, 0);
}

async function inOneProcess(url: string, prefix: string, admin: Redis): Promise<Tally> {
  const peers = redisPeers(url, `${prefix}-one`);
  for (const library of LIBRARIES) await peers[library].get('warm-up');
  const out = tally();
  for (let round = 0; round < KEYS; round++) {
    for (let j = 0; j < LIBRARIES.length; j++) {
      const index = (j + round) % LIBRARIES.length;
      const peer = peers[LIBRARIES[index] as Library];
      let calls = 0;
      const factory = async () => {
        calls++;
        await pause(FACTORY_MS);
        return USER;
      };
      const key = `cold:${round}`;
      const commands = await counted(
        admin,
        `one process, ${LABELS[LIBRARIES[index] as Library]}`,
        async () => {
          const started = performance.now();
          const results = await Promise.allSettled(
            Array.from({ length: CALLERS }, () => peer.remember(key, factory)),
          );
          (out.walls[index] as number[]).push(performance.now() - started);
          out.wrong += results.filter(
            (r) => r.status !== 'fulfilled' || (r.value as { id?: number } | undefined)?.id !== USER.id,
          ).length;
        },
      );
      (out.calls[index] as number[]).push(calls);
      (out.commands[index] as number[]).push(commands);
    }
  }
  for (const library of LIBRARIES) await peers[library].close();
  return out;
}

async function acrossProcesses(url: string, prefix: string, admin: Redis): Promise<Tally> {
  const script = fileURLToPath(new URL('./stampede-worker.ts', import.meta.url));
  const workers: ChildProcess[] = Array.from({ length: PROCESSES }, () =>
    fork(script, [], {
      execArgv: process.execArgv,
      env: { ...process.env, PEERS_REDIS_URL: url, PEERS_PREFIX: `${prefix}-four` },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const nextReply = (worker: ChildProcess) =>
    new Promise<WorkerReply>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`stampede worker exited with ${code}`));
      worker.once('exit', onExit);
      worker.once('message', (message: WorkerReply) => {
        worker.off('exit', onExit);
        resolve(message);
      });
    });
  await Promise.all(workers.map(nextReply));
  const out = tally();
  for (let round = 0; round < KEYS; round++) {
    for (let j = 0; j < LIBRARIES.length; j++) {
      const index = (j + round) % LIBRARIES.length;
      const at = nowMs() + 30;
      const command: WorkerCommand = {
        type: 'go',
        library: LIBRARIES[index] as Library,
        key: `cold:${round}`,
        at,
        callers: CALLERS / PROCESSES,
        factoryMs: FACTORY_MS,
      };
      let calls = 0;
      let ended = at;
      const commands = await counted(
        admin,
        `${PROCESSES} processes, ${LABELS[command.library]}`,
        async () => {
          const replies = workers.map(nextReply);
          for (const worker of workers) worker.send(command);
          for (const message of await Promise.all(replies)) {
            if (message.type !== 'done') throw new Error(`unexpected ${message.type} from a stampede worker`);
            calls += message.factoryCalls;
            ended = Math.max(ended, message.endedAt);
            out.wrong += message.wrong;
          }
        },
      );
      (out.calls[index] as number[]).push(calls);
      (out.commands[index] as number[]).push(commands);
      (out.walls[index] as number[]).push(ended - at);
    }
  }
  const exited = workers.map((worker) => new Promise((resolve) => worker.once('exit', resolve)));
  for (const worker of workers) worker.send({ type: 'stop' } satisfies WorkerCommand);
  await Promise.all(exited);
  return out;
}

export async function run({ url, prefix }: WorkloadContext): Promise<WorkloadResult> {
  const started = performance.now();
  const admin = new Redis(url);
  const one = await inOneProcess(url, prefix, admin);
  const four = await acrossProcesses(url, prefix, admin);
  await admin.quit();
  const range = `min–max over ${KEYS} cold keys`;
  const figures = (samples: number[][]): Figure[] =>
    LIBRARIES.map((library, i) => spread(library, samples[i] as number[]));
  const measure = (id: string, group: string, what: string, unit: string, samples: number[][]): Measure => ({
    id,
    label: `${group}: ${what}`,
    group,
    unit,
    better: 'lower',
    range,
    figures: figures(samples),
  });
  const measures = (group: string, id: string, t: Tally): Measure[] => [
    measure(`${id}-calls`, group, 'factory calls per key', 'factory calls', t.calls),
    measure(`${id}-wall`, group, 'wall time', 'ms', t.walls),
    measure(`${id}-commands`, group, 'Redis commands per key', 'Redis commands', t.commands),
  ];
  const oneLabel = `1 process × ${CALLERS.toLocaleString('en-US')} callers`;
  const fourLabel = `${PROCESSES} processes × ${CALLERS / PROCESSES} callers`;
  return {
    id: 'stampede',
    title: `Cold-key stampede on Redis: ${CALLERS.toLocaleString('en-US')} callers, ${FACTORY_MS} ms factory`,
    setup: {
      cache: `${SETUP.redis.cache}; remember(); across processes remember(…, { distributed: true })`,
      bentocache: `${SETUP.redis.bentocache}; getOrSet() (its stampede lock is an in-process async-mutex)`,
      'cache-manager': `${SETUP.redis['cache-manager']}; wrap() (coalesces in-process only)`,
    },
    measures: [...measures(oneLabel, 'stampede-one', one), ...measures(fourLabel, 'stampede-four', four)],
    notes: [
      `Callers that did not get the factory's value: ${one.wrong} in one process, ${four.wrong} across processes.`,
      `Redis commands for the last cold key: ${[...breakdown].map(([label, counts]) => `${label}: ${counts}`).join(' · ')}.`,
      'Wall time runs from the first call to the last caller’s result and includes the 20 ms factory.',
      'Across processes neither BentoCache (1.6) nor cache-manager (7) offers a distributed lock or lease ' +
        'for read-through: each process runs its own factory.',
    ],
    seconds: (performance.now() - started) / 1000,
  };
}
