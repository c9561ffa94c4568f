import { randomBytes } from 'node:crypto';
import { MemoStore, NullStore } from '@cache/core';
import { runCacheContract, withLatency } from '../src/index.js';
import { MapBackend, MapStore } from './map-store.js';

const backend = new MapBackend();
const create = ({ prefix }: { prefix: string }) => new MapStore({ prefix, backend });

runCacheContract({ name: 'MapStore', create });

runCacheContract({
  name: 'MapStore, gzip + AES-256-GCM',
  create,
  cacheOptions: { compression: 'gzip', encryption: { key: randomBytes(32) } },
});

runCacheContract({
  name: 'MapStore, brotli + maxValueBytes',
  create,
  cacheOptions: { compression: 'brotli', maxValueBytes: 64 * 1024 },
});

runCacheContract({
  name: 'MapStore behind 1 ms of latency',
  create: (ctx) => withLatency(create(ctx), { ms: 1 }),
});

runCacheContract({
  name: 'MemoStore over MapStore',
  create: (ctx) => new MemoStore(create(ctx)),
  skip: {
    'distributed: callers in 3 caches sharing the store cost one factory call for a cold key':
      "a memo store memoizes its process's reads: another process's write stays invisible to it by design",
  },
});

runCacheContract({ name: 'NullStore', create: () => new NullStore(), nullSemantics: true });
