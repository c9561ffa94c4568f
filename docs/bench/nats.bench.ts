/**
 * NATS benchmark: `NatsStore` and the `Cache` facade over it next to raw nats.js
 * `kv.get`, in the same process, against the same server and bucket, in the same run.
 *
 * - store level: `store.get` (bytes out of the expiry envelope) against raw
 *   `kv.get(key).value` on a plain KV key;
 * - facade level: `cache.get` (JSON decoded) against raw `kv.get` + `JSON.parse`
 *   (what an application would write by hand);
 * - each as sequential median latency and as throughput with 64 in flight;
 * - `set` against raw `kv.put` (throughput), and `increment` (sequential latency:
 *   a revision-checked read-modify-write, two round trips).
 *
 * The target from the issue: `get` within 1.15× of a raw KV get.
 *
 * The bench starts its own JetStream `nats-server` (file storage in a temporary
 * directory) on a free loopback port when the binary is installed (`NATS_SERVER_BIN`,
 * default `/usr/sbin/nats-server`), so other users of the shared server do not disturb
 * the timings; otherwise it uses `CACHE_NATS_SERVERS` (default 127.0.0.1:4222).
 *
 * Run with `pnpm bench` at the root, or `pnpm --filter @cache/docs bench nats`.
 *
 * @packageDocumentation
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cache } from '@cache/core';
import { NatsStore } from '@cache/nats';
import { connect } from 'nats';
import {
  type ConcurrentResult,
  environmentLine,
  formatNumber,
  type MeasureResult,
  measure,
  measureConcurrent,
  printTable,
  type TableRow,
} from './harness.js';

/** A ~200-byte record, the size the other benches use too. */
const user = {
  id: 48_213,
  name: 'Ada Lovelace',
  email: 'ada.lovelace@analytical-engine.example',
  roles: ['admin', 'editor', 'billing'],
  flags: { active: true, verified: true, beta: false },
  createdAt: '2024-03-18T09:41:27.512Z',
};
const userBytes = new TextEncoder().encode(JSON.stringify(user));
const IN_FLIGHT = 64;
const TOTAL = 10_000;
const TTL_MS = 300_000;
const BUCKET = 'cache_bench';
const PREFIX = `bench-${process.pid}`;
const TARGET_RATIO = 1.15;

// --- server -------------------------------------------------------------------------------

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts a private JetStream server; resolves its address and a stop function, or undefined without the binary. */
async function startPrivateServer(): Promise<{ servers: string; stop: () => void } | undefined> {
  const binary = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';
  if (!existsSync(binary)) return undefined;
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'cache-nats-bench-'));
  const child: ChildProcess = spawn(binary, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], {
    stdio: 'ignore',
  });
  const stop = () => {
    child.kill('SIGTERM');
    rmSync(storeDir, { recursive: true, force: true });
  };
  for (let i = 0; i < 200; i++) {
    if (await accepts(port)) return { servers: `127.0.0.1:${port}`, stop };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  stop();
  return undefined;
}

const server = await startPrivateServer();
const servers = server?.servers ?? process.env.CACHE_NATS_SERVERS ?? '127.0.0.1:4222';

// --- clients ------------------------------------------------------------------------------

// One connection for both sides, so neither gets a less busy socket.
const connection = await connect({ servers: servers.split(',') });
const store = new NatsStore({ connection, bucket: BUCKET, prefix: PREFIX });
const cache = new Cache({ store });
// The store created the bucket (history 1) on its first call; raw opens the same one
// the same way, so both use direct gets where the server allows them.
await store.set('user:48213', userBytes, TTL_MS);
const kv = await connection.jetstream().views.kv(BUCKET, { history: 1 });

const KEY = 'user:48213';
const RAW_KEY = `raw.${PREFIX}.user-48213`;
await kv.put(RAW_KEY, userBytes);

// Writes rotate over 1,024 keys: overwrites, the steady state of a warm cache.
const writeKeys = Array.from({ length: 1024 }, (_, i) => `w:${i}`);
const rawWriteKeys = writeKeys.map((_, i) => `raw.${PREFIX}.w-${i}`);
let w = 0;
const next = () => {
  w = (w + 1) & 1023;
  return w;
};

// --- measurements -------------------------------------------------------------------------

const decoder = new TextDecoder();
const rawGetBytes = async () => (await kv.get(RAW_KEY))?.value;
const rawGetJson = async () => {
  const entry = await kv.get(RAW_KEY);
  return entry === null ? undefined : (JSON.parse(decoder.decode(entry.value)) as unknown);
};
const storeGet = () => store.get(KEY);
const cacheGet = () => cache.get(KEY);

/**
 * Client CPU (user + system µs) per operation of each throughput run: on a shared
 * machine the wall-clock rate swings with the neighbours' load, the CPU a call costs
 * this process much less, so it shows the driver's own overhead more reliably.
 */
const cpuPerOp = new Map<ConcurrentResult, number>();
const WARMUP = IN_FLIGHT * 50;

async function throughput(name: string, fn: () => Promise<unknown>): Promise<ConcurrentResult> {
  const before = process.cpuUsage();
  const result = await measureConcurrent(name, fn, { inFlight: IN_FLIGHT, total: TOTAL, warmup: WARMUP });
  const used = process.cpuUsage(before);
  cpuPerOp.set(result, (used.user + used.system) / (TOTAL + WARMUP));
  return result;
}

/** Median of three. */
function middle<T>(results: T[], key: (result: T) => number): T {
  return [...results].sort((a, b) => key(a) - key(b))[1] as T;
}

/**
 * Measures `raw` and `driver` alternately, three times each, and keeps each side's
 * middle result: drift on a shared machine then hits both sides alike.
 */
async function pair<T>(
  run: (name: string, fn: () => Promise<unknown>) => Promise<T>,
  key: (result: T) => number,
  raw: [string, () => Promise<unknown>],
  driver: [string, () => Promise<unknown>],
): Promise<[T, T]> {
  const raws: T[] = [];
  const drivers: T[] = [];
  for (let i = 0; i < 3; i++) {
    raws.push(await run(...raw));
    drivers.push(await run(...driver));
  }
  return [middle(raws, key), middle(drivers, key)];
}

const latency = (name: string, fn: () => Promise<unknown>) => measure(name, fn, { rounds: 20 });
const median = (result: MeasureResult) => result.medianNs;
const rate = (result: ConcurrentResult) => result.opsPerSec;

const [seqRawBytes, seqStore] = await pair(
  latency,
  median,
  ['raw kv.get', rawGetBytes],
  ['store.get', storeGet],
);
const [seqRawJson, seqCache] = await pair(
  latency,
  median,
  ['raw kv.get + JSON.parse', rawGetJson],
  ['cache.get', cacheGet],
);
const [tpRawBytes, tpStore] = await pair(
  throughput,
  rate,
  ['raw kv.get', rawGetBytes],
  ['store.get', storeGet],
);
const [tpRawJson, tpCache] = await pair(
  throughput,
  rate,
  ['raw kv.get + JSON.parse', rawGetJson],
  ['cache.get', cacheGet],
);

const tpRawPut = await throughput('raw kv.put', () => kv.put(rawWriteKeys[next()] as string, userBytes));
const tpCacheSet = await throughput('cache.set', () => cache.set(writeKeys[next()] as string, user, TTL_MS));

const seqIncrement = await measure('cache.increment', () => cache.increment('counter', 1, TTL_MS));

// --- report -------------------------------------------------------------------------------

function ratio(value: number, reference: number): string {
  return `${formatNumber(value / reference, 2)}×`;
}

const latencyRow = (result: MeasureResult, reference?: MeasureResult): TableRow => {
  const within = reference === undefined ? undefined : result.medianNs <= TARGET_RATIO * reference.medianNs;
  return {
    measurement: `${result.name} sequential p50`,
    value: `${formatNumber(result.medianNs / 1000, 1)} µs`,
    'vs raw': reference === undefined ? '' : ratio(result.medianNs, reference.medianNs),
    target: reference === undefined ? '' : `≤ ${TARGET_RATIO}× raw`,
    status: within === undefined ? '' : within ? 'ok' : 'over',
  };
};

const throughputRow = (
  result: ConcurrentResult,
  reference?: ConcurrentResult,
  withTarget = true,
): TableRow => {
  const within =
    reference === undefined || !withTarget
      ? undefined
      : result.opsPerSec * TARGET_RATIO >= reference.opsPerSec;
  const cpu = cpuPerOp.get(result) ?? Number.NaN;
  const referenceCpu = reference === undefined ? undefined : cpuPerOp.get(reference);
  return {
    measurement: `${result.name} @${IN_FLIGHT}`,
    value: `${formatNumber(result.opsPerSec)} ops/s`,
    'vs raw': reference === undefined ? '' : ratio(result.opsPerSec, reference.opsPerSec),
    'client CPU/op': `${formatNumber(cpu, 1)} µs`,
    'CPU vs raw': referenceCpu === undefined ? '' : ratio(cpu, referenceCpu),
    target: within === undefined ? '' : `≥ 1/${TARGET_RATIO} raw`,
    status: within === undefined ? '' : within ? 'ok' : 'over',
  };
};

printTable(`@cache/nats vs raw nats.js KV · ${userBytes.length}-byte object · ${environmentLine()}`, [
  latencyRow(seqRawBytes),
  latencyRow(seqStore, seqRawBytes),
  latencyRow(seqRawJson),
  latencyRow(seqCache, seqRawJson),
  throughputRow(tpRawBytes),
  throughputRow(tpStore, tpRawBytes),
  throughputRow(tpRawJson),
  throughputRow(tpCache, tpRawJson),
  throughputRow(tpRawPut),
  throughputRow(tpCacheSet, tpRawPut, false),
  latencyRow(seqIncrement),
]);
if (server === undefined)
  process.stdout.write(`note: no private nats-server; measured against ${servers}.\n`);

// --- clean up -----------------------------------------------------------------------------

await cache.flush();
await kv.purge(RAW_KEY);
await Promise.all(rawWriteKeys.map((key) => kv.purge(key)));
await cache.close();
await connection.close();
server?.stop();
