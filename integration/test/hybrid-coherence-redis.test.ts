import { RedisStore } from '@cache/redis';
import { coherenceSuite, REDIS_BUS } from './support/coherence-suite.js';

// L2 and the bus on the shared Redis (one server for both, the usual deployment);
// the gap test moves the bus to a redis-server of its own, which it kills.
coherenceSuite({
  title: 'redis L2 + RedisBus',
  backend: 'redis',
  node: (address, prefix) => ({ driver: 'redis', address, prefix }),
  create: (node) => new RedisStore({ url: node.address, prefix: node.prefix }),
  bus: { ...REDIS_BUS, shared: (url) => url },
});
