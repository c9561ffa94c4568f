import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Bus, Cache, type Store } from '@cache/core';
import { NatsBus } from '@cache/nats';
import { RedisBus } from '@cache/redis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type BackendName, describeBackend } from '../../src/backends.js';
import { freePort } from '../../src/free-port.js';
import { natsServer, REDIS_SERVER, type ServerCommand, ServerProcess } from '../../src/server-process.js';
import { tagCoherenceChecks } from './coherence-tags.js';
import { monotonicMs, type NodeJob, type NodeProcess, type NodeStore, withNodes } from './hybrid-workers.js';

const KEYS = Array.from({ length: 100 }, (_, i) => `item:${i}`);
const READERS = 3;
/**
 * The longest a reader may serve a value after the write that replaced it
 * completed. Generous on purpose: 5 processes share 2 cores here; the bench
 * measures the real propagation delay (docs/bench/hybrid.bench.ts).
 */
const BOUND_MS = 1_000;
/** How long the gap test keeps the bus down while L2 changes: well past the bound. */
const OUTAGE_MS = 2.5 * BOUND_MS;
/**
 * How long a sender may take to get its publishes through again after the bus
 * server is back: its publisher's reconnection backoff (ioredis: ≤ 2 s; nats:
 * reconnectTimeWait 2 s) plus the outbox's retry delay (≤ 1 s). A reader that
 * reconnected sooner fills its L1 meanwhile, and hears of writes made in that
 * window only then — so values written during the recovery get this bound, not BOUND_MS.
 */
const SENDER_RECOVERY_MS = 3_000;

/** The bus of a coherence run. */
export interface CoherenceBus {
  readonly kind: 'redis' | 'nats';
  /** The server the test starts for it (and kills, in the gap test). */
  readonly server: () => ServerCommand;
  /** The bus address of a server on `port`. */
  readonly address: (port: number) => string;
  /** The shared server to use instead of a private one in the coherence test (e.g. the L2 Redis itself). */
  readonly shared?: (l2Address: string) => string;
  /** A bus in this process, on the server at `address`. */
  readonly create: (address: string, channel: string) => Bus;
}

/** One L2 + bus combination, as the coherence suite runs it. */
export interface CoherenceSetup {
  /** Title, e.g. "redis L2 + RedisBus". */
  readonly title: string;
  /** The L2 backend (its address comes from `describeBackend`). */
  readonly backend: BackendName;
  /** The L2 as the node script builds it. */
  readonly node: (address: string, prefix: string) => NodeStore;
  /** The same L2 in this process (seeding and clean-up). */
  readonly create: (node: NodeStore) => Store;
  /** Removes what the run left (default: flush the prefix). */
  readonly drop?: (store: Store) => Promise<unknown>;
  readonly bus: CoherenceBus;
}

/** The bus of a coherence setup on a redis-server. */
export const REDIS_BUS: CoherenceBus = {
  kind: 'redis',
  server: () => REDIS_SERVER,
  address: (port) => `redis://127.0.0.1:${port}`,
  create: (url, channel) => new RedisBus({ url, channel }),
};

/** The bus of a coherence setup on a nats-server (JetStream on, in a temporary directory). */
export const NATS_BUS: CoherenceBus = {
  kind: 'nats',
  server: () => {
    const dir = mkdtempSync(join(tmpdir(), 'cache-bus-nats-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    return natsServer(() => dir);
  },
  address: (port) => `127.0.0.1:${port}`,
  create: (servers, channel) => new NatsBus({ servers: servers.split(','), channel }),
};

type Run = [version: number, firstMs: number, lastMs: number];
interface ReaderReport {
  readonly sweeps: number;
  readonly reads: number;
  readonly runs: Record<string, Run[]>;
}
interface WriterReport {
  readonly rounds: number;
  /** Per key, when the set of version i + 1 resolved. */
  readonly done: Record<string, number[]>;
}

/** A percentile of an ascending list. */
const percentile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;

/**
 * For every version a reader served (those `include` accepts): how long it kept
 * serving it after the write that replaced it completed (0 when it never did).
 * Also counts a reader going back to an older version of a key.
 */
function staleness(
  writer: WriterReport,
  readers: readonly ReaderReport[],
  include: (key: string, version: number) => boolean = () => true,
) {
  const lags: number[] = [];
  let backwards = 0;
  for (const reader of readers) {
    for (const key of KEYS) {
      let previous = -1;
      for (const [version, , last] of reader.runs[key] ?? []) {
        if (version < previous) backwards++;
        previous = Math.max(previous, version);
        const replacedAt = writer.done[key]?.[version];
        if (version >= 0 && replacedAt !== undefined && include(key, version))
          lags.push(Math.max(0, last - replacedAt));
      }
    }
  }
  lags.sort((a, b) => a - b);
  const summary = `p50 ${percentile(lags, 0.5).toFixed(1)} ms, p99 ${percentile(lags, 0.99).toFixed(1)} ms, max ${(lags.at(-1) ?? 0).toFixed(1)} ms over ${lags.length} served versions (${lags.filter((lag) => lag > 0).length} served after their replacement completed)`;
  return { lags, backwards, max: lags.at(-1) ?? 0, summary };
}

/** Every reader ends on the writer's last version of every key. */
function expectLatest(readers: readonly ReaderReport[], rounds: number): void {
  for (const reader of readers)
    for (const key of KEYS) expect(reader.runs[key]?.at(-1)?.[0], key).toBe(rounds);
}

/**
 * Registers, for one L2 + bus combination, the coherence checks across processes:
 * - one writer writes new versions of 100 keys in a loop while 3 readers read them:
 *   no reader serves a version more than BOUND_MS after the write replacing it
 *   completed, none goes back to an older version, all end on the last one; a
 *   fifth node holding the keys in L1 makes no L2 read while they change;
 * - the gap: the bus server is killed while the writer keeps updating L2, then
 *   restarted; the readers notice both, and no reader serves a value past the
 *   bound, before, during or after the outage;
 * - tags and namespaces invalidated on one node leave the other's L1 within the
 *   bound (`coherence-tags.ts`).
 */
export function coherenceSuite(setup: CoherenceSetup): void {
  describeBackend(setup.backend, (l2Address) => {
    const prefix = `coherence-${randomUUID()}`;
    const l2 = setup.node(l2Address, prefix);
    let store: Store;
    let seeder: Cache;
    let busServer: ServerProcess;

    beforeAll(async () => {
      store = setup.create(l2);
      seeder = new Cache({ store });
      busServer = new ServerProcess(setup.bus.server(), await freePort());
      await busServer.start();
    });
    afterAll(async () => {
      await busServer.kill();
      if (setup.drop !== undefined) await setup.drop(store);
      else await store.flush();
      await seeder.close();
    });

    const seed = async (): Promise<void> => {
      await Promise.all(KEYS.map((key) => seeder.set(key, { v: 0 }, '10m')));
    };
    const jobs = (busAddress: string, channel: string) => {
      const base = {
        store: l2,
        l1: { ttl: '5m' },
        bus: { kind: setup.bus.kind, address: busAddress, channel },
      };
      return {
        writer: (params: Record<string, unknown>): NodeJob => ({
          ...base,
          task: 'write',
          params: { keys: KEYS, ...params },
        }),
        reader: (params: Record<string, unknown>): NodeJob => ({
          ...base,
          task: 'read',
          params: { keys: KEYS, ...params },
        }),
        idle: (): NodeJob => ({ ...base, task: 'idle', params: { keys: KEYS } }),
      };
    };

    it(`${setup.title}: ${READERS} readers see every write of 100 keys within ${BOUND_MS} ms; an idle node reads L2 0 times`, async () => {
      await seed();
      const rounds = 40;
      const busAddress = setup.bus.shared?.(l2Address) ?? setup.bus.address(busServer.port);
      const make = jobs(busAddress, `coherence-${randomUUID()}`);
      const readerJob = make.reader({ periodMs: 5 });
      const { writer, readers, idle } = await withNodes(
        [
          make.writer({ rounds, pauseMs: 25, progressEvery: 1_000 }),
          make.idle(),
          ...Array(READERS).fill(readerJob),
        ],
        async ([writerNode, idleNode, ...readerNodes]) => {
          const [w, i] = [writerNode, idleNode] as [NodeProcess, NodeProcess];
          for (const node of [i, ...readerNodes]) node.go();
          // Every reader holds the keys in L1 before the first write.
          for (const node of [i, ...readerNodes]) await node.event('reading', 15_000);
          w.go();
          const written = await w.result<WriterReport>(30_000);
          i.stop();
          for (const node of readerNodes) node.stop(written.rounds);
          return {
            writer: written,
            idle: await i.result<{ readsWhileIdle: number }>(15_000),
            readers: await Promise.all(readerNodes.map((node) => node.result<ReaderReport>(20_000))),
          };
        },
      );

      expect(writer.rounds).toBe(rounds);
      expectLatest(readers, rounds);
      const stale = staleness(writer, readers);
      expect(stale.backwards).toBe(0);
      expect(stale.max).toBeLessThan(BOUND_MS);
      // The keys changed 4,000 times under the idle node's L1: no store read per message.
      expect(idle.readsWhileIdle).toBe(0);
      const reads = readers.reduce((sum, reader) => sum + reader.reads, 0) / READERS;
      console.info(
        `[coherence ${setup.title}] ${rounds * KEYS.length} writes; readers' staleness ${stale.summary}; ` +
          `L2 reads per reader ${reads.toFixed(0)} (${(reads / (rounds * KEYS.length)).toFixed(2)} per write); idle node 0`,
      );
    }, 60_000);

    // Before the gap test, which kills the private bus server.
    tagCoherenceChecks({
      title: setup.title,
      store: () => setup.create(l2),
      bus: (channel) =>
        setup.bus.create(setup.bus.shared?.(l2Address) ?? setup.bus.address(busServer.port), channel),
      boundMs: BOUND_MS,
    });

    it(`${setup.title}: the bus server killed and restarted while L2 changes: no reader serves a pre-outage value past ${BOUND_MS} ms`, async () => {
      await seed();
      const make = jobs(setup.bus.address(busServer.port), `gap-${randomUUID()}`);
      const readerJob = make.reader({ periodMs: 10, watchBus: true });
      const run = await withNodes(
        [make.writer({ rounds: 100_000, pauseMs: 25, progressEvery: 5 }), ...Array(READERS).fill(readerJob)],
        async ([writerNode, ...readerNodes]) => {
          const w = writerNode as NodeProcess;
          for (const node of readerNodes) node.go();
          for (const node of readerNodes) await node.event('reading', 15_000);
          w.go();
          await w.event('progress', 15_000);
          await w.event('progress', 15_000);

          const killedAt = monotonicMs();
          await busServer.kill();
          // Every reader notices the loss (and bypasses its L1 from then on).
          const lost = [];
          for (const node of readerNodes) lost.push((await busEvent(node, 'disconnected')) - killedAt);
          // L2 keeps changing while no message can be delivered, for longer than the
          // bound: an L1 entry from before the outage served afterwards would exceed it.
          while (monotonicMs() - killedAt < OUTAGE_MS) await w.event('progress', 15_000);

          const restartedAt = monotonicMs();
          await busServer.start();
          const back = [];
          for (const node of readerNodes) back.push((await busEvent(node, 'connected')) - restartedAt);
          // The writer outlives its publisher's recovery: a node closed with unsent
          // invalidations loses them (see hybrid-shutdown.test.ts).
          while (monotonicMs() - restartedAt < SENDER_RECOVERY_MS + 500) await w.event('progress', 15_000);
          w.stop();
          const written = await w.result<WriterReport>(15_000);
          for (const node of readerNodes) node.stop(written.rounds);
          const readers = await Promise.all(readerNodes.map((node) => node.result<ReaderReport>(20_000)));
          return { written, readers, lost, back, killedAt, restartedAt };
        },
      );

      expectLatest(run.readers, run.written.rounds);
      // Values written before the kill (what the readers' L1s held when the bus went
      // down): never served past the bound — the L1 generation moved on.
      const { done } = run.written;
      const preOutage = staleness(
        run.written,
        run.readers,
        (key, version) => version === 0 || (done[key]?.[version - 1] ?? Infinity) < run.killedAt,
      );
      expect(preOutage.max).toBeLessThan(BOUND_MS);
      const stale = staleness(run.written, run.readers);
      expect(stale.backwards).toBe(0);
      expect(stale.max).toBeLessThan(SENDER_RECOVERY_MS + BOUND_MS);
      console.info(
        `[gap ${setup.title}] ${run.written.rounds} rounds; loss noticed after ${run.lost.map((ms) => ms.toFixed(0)).join('/')} ms, ` +
          `outage ${(run.restartedAt - run.killedAt).toFixed(0)} ms, readers reconnected ${run.back.map((ms) => ms.toFixed(0)).join('/')} ms after the restart; ` +
          `pre-outage values: ${preOutage.summary}; all values: ${stale.summary}`,
      );
    }, 60_000);
  });
}

/** When `node` next reported its bus in `state` (within 15 s). */
async function busEvent(node: NodeProcess, state: 'connected' | 'disconnected'): Promise<number> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const event = await node.event('bus', deadline - Date.now());
    if (event.state === state) return event.atMs;
  }
}
