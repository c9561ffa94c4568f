import { RedisStore } from '@cache/redis';
import { distributedSuite } from './support/distributed-suite.js';

distributedSuite({
  backend: 'redis',
  driver: 'redis',
  create: (url, prefix) => new RedisStore({ url, prefix }),
  bus: (url) => ({ kind: 'redis', address: url }),
});
