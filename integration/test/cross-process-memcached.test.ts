import { MemcachedStore } from '@cache/memcached';
import { crossProcessSuite } from './support/cross-process-suite.js';

crossProcessSuite({
  backend: 'memcached',
  driver: 'memcached',
  atomicBy: 'compare-and-swap (never memcached incr), add for a missing key',
  inFlight: 16,
  create: (servers, prefix) => new MemcachedStore({ servers: servers.split(','), prefix }),
});
