import { runStoreContract } from '@cache/contract';
import { RedisStore } from '@cache/redis';
import { Cluster } from 'ioredis';
import { afterAll } from 'vitest';
import { describeBackend, parseHostList } from '../src/backends.js';
import { runContractSuites } from '../src/contract-suites.js';

describeBackend('redis-cluster', (nodes) => {
  // One Cluster client the test file owns, injected into every store: also proves
  // that closing a store leaves an injected client alone.
  const cluster = new Cluster(parseHostList(nodes, 6379));
  afterAll(() => cluster.quit());
  runContractSuites({
    name: 'redis-cluster',
    create: (prefix) => new RedisStore({ client: cluster, prefix }),
  });
  // And the store-created Cluster path: the Store contract, baseline.
  runStoreContract({
    name: 'redis-cluster (store-owned client)',
    create: ({ prefix }) => new RedisStore({ clusterNodes: nodes.split(','), prefix }),
  });
  // hashTag: every key of a prefix in one slot ({<prefix>}:<key>); same contract.
  runStoreContract({
    name: 'redis-cluster (hashTag)',
    create: ({ prefix }) => new RedisStore({ client: cluster, prefix, hashTag: true }),
  });
});
