import { RedisStore } from '@cache/redis';
import { crossProcessSuite } from './support/cross-process-suite.js';

crossProcessSuite({
  backend: 'redis',
  driver: 'redis',
  atomicBy: 'Lua: INCRBY with its TTL',
  inFlight: 16,
  create: (url, prefix) => new RedisStore({ url, prefix }),
});
