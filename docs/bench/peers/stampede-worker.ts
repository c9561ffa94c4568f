/**
 * One of the processes of the cross-process stampede (`stampede.ts` forks four): it
 * holds one cache of each library on the shared Redis, with whatever coordination
 * across processes the library offers (ours `remember(…, { distributed: true })`;
 * BentoCache and cache-manager have none to turn on), and on each `go` starts its
 * callers of one cold key at the agreed instant.
 *
 * Protocol (IPC): sends `ready` once connected; on `{ type: 'go', library, key, at,
 * callers, factoryMs }` waits until `at` (ms on `process.hrtime`, CLOCK_MONOTONIC,
 * which all processes of the host share), runs `callers` concurrent read-throughs of
 * `key` and answers `done` with its factory calls and the instant the last one
 * settled; on `stop` closes and exits.
 *
 * @packageDocumentation
 */

import { USER } from '../fixtures.js';
import { type Library, LIBRARIES, redisPeers } from './libraries.js';

/** What the coordinator sends. */
export type WorkerCommand =
  | {
      readonly type: 'go';
      readonly library: Library;
      readonly key: string;
      readonly at: number;
      readonly callers: number;
      readonly factoryMs: number;
    }
  | { readonly type: 'stop' };

/** What a worker answers. */
export type WorkerReply =
  | { readonly type: 'ready' }
  | {
      readonly type: 'done';
      readonly factoryCalls: number;
      readonly endedAt: number;
      /** Callers whose result was not the factory's value (or that threw). */
      readonly wrong: number;
    };

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const reply = (message: WorkerReply): void => {
  process.send?.(message);
};

const url = process.env.PEERS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const peers = redisPeers(url, process.env.PEERS_PREFIX ?? 'peers-stampede', { distributed: true });
for (const library of LIBRARIES) await peers[library].get('warm-up'); // connected before any clock starts

process.on('message', async (command: WorkerCommand) => {
  if (command.type === 'stop') {
    for (const library of LIBRARIES) await peers[library].close();
    process.exit(0);
  }
  const peer = peers[command.library];
  let factoryCalls = 0;
  const factory = async () => {
    factoryCalls++;
    await pause(command.factoryMs);
    return USER;
  };
  // Sleep most of the way, then spin: every process starts within a few µs of `at`.
  const wait = command.at - nowMs();
  if (wait > 2) await pause(wait - 2);
  while (nowMs() < command.at) {
    // spin
  }
  const results = await Promise.allSettled(
    Array.from({ length: command.callers }, () => peer.remember(command.key, factory)),
  );
  const endedAt = nowMs();
  const wrong = results.filter(
    (result) =>
      result.status !== 'fulfilled' || (result.value as { id?: number } | undefined)?.id !== USER.id,
  ).length;
  reply({ type: 'done', factoryCalls, endedAt, wrong });
});
reply({ type: 'ready' });
