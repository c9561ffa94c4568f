import { MemoryBus } from '@cache/core';
import { runCacheContract } from '@cache/contract';
import { MemoryStore } from '@cache/memory';
import { PostgresStore } from '@cache/postgres';
import { RedisStore } from '@cache/redis';
import { describeBackend } from '../src/backends.js';

/**
 * The whole cache contract through the hybrid tier (an L1 per cache in front of the
 * real store, the caches of a test sharing one bus), plus the hybrid checks:
 * coherence between two nodes, sequence gaps, lost connections, l1Ttl, L1 never
 * outliving an entry's TTL.
 */
const tier = { l1: () => new MemoryStore(), bus: () => new MemoryBus() };

describeBackend('redis', (url) => {
  runCacheContract({
    name: 'redis, L1 + MemoryBus',
    create: ({ prefix }) => new RedisStore({ url, prefix }),
    tier,
  });
  runCacheContract({
    name: 'redis, L1 without a bus',
    create: ({ prefix }) => new RedisStore({ url, prefix }),
    tier: { l1: tier.l1 },
  });
});

describeBackend('postgres', (connectionString) => {
  runCacheContract({
    name: 'postgres, L1 + MemoryBus',
    create: ({ prefix }) => new PostgresStore({ connectionString, prefix, poolOptions: { max: 2 } }),
    tier,
  });
});
