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
    'tags: a node whose clock is 10 minutes off, either way, still honours deleteByTag':
      "a memo store memoizes its process's reads (tag versions too): another process's deleteByTag is seen when the memo expires",
    'namespaces: two caches over one backend share a namespace; a flush on one is seen by the other':
      "a memo store memoizes its process's reads (namespace versions too): another process's flush is seen when the memo expires",
  },
});

runCacheContract({ name: 'NullStore', create: () => new NullStore(), nullSemantics: true });
