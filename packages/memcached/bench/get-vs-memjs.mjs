// Sequential latency and 64-in-flight throughput of MemcachedStore#get (and the
// Cache facade over it) next to raw memjs Client#get on the same server.
// Usage: pnpm build && node bench/get-vs-memjs.mjs [host:port]   (default 127.0.0.1:11211)
import { Cache, utf8 } from '@cache/core';
import memjs from 'memjs';
import { MemcachedStore } from '../dist/index.js';

const address = process.argv[2] ?? '127.0.0.1:11211';
const SEQUENTIAL = 20_000;
const CONCURRENT = 64;
const THROUGHPUT_OPS = 100_000;
const value = JSON.stringify({ id: 42, name: 'bench', tags: ['a', 'b', 'c'], payload: 'x'.repeat(120) });

const raw = memjs.Client.create(address, { retries: 1, timeout: 1, logger: { log() {} } });
const store = new MemcachedStore({ servers: [address], prefix: `bench_${process.pid}` });
const cache = new Cache({ store, defaultTtl: 600_000 });
await raw.set('bench:raw', value, { expires: 600 });
await store.set('bench', utf8(value), 600_000);
await cache.set('bench-cache', JSON.parse(value));

const variants = {
  'memjs get + JSON.parse': async () => JSON.parse((await raw.get('bench:raw')).value.toString()),
  'MemcachedStore.get': () => store.get('bench'),
  'Cache.get (facade, JSON)': () => cache.get('bench-cache'),
};

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

async function sequential(fn) {
  for (let i = 0; i < 2_000; i++) await fn();
  const samples = new Float64Array(SEQUENTIAL);
  for (let i = 0; i < SEQUENTIAL; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  samples.sort();
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) };
}

async function throughput(fn) {
  let issued = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENT }, async () => {
      while (issued++ < THROUGHPUT_OPS) await fn();
    }),
  );
  return THROUGHPUT_OPS / (Number(process.hrtime.bigint() - start) / 1e9);
}

const rows = [];
for (const round of [1, 2]) {
  for (const [name, fn] of Object.entries(variants)) {
    const { p50, p99 } = await sequential(fn);
    const opsPerSecond = await throughput(fn);
    if (round === 2)
      rows.push({
        variant: name,
        'p50 µs': p50.toFixed(1),
        'p99 µs': p99.toFixed(1),
        'ops/s @64': Math.round(opsPerSecond),
      });
  }
}
console.table(rows);
await store.flush();
await store.close();
raw.close();
