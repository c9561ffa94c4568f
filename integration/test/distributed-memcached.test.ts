import { MemcachedStore } from '@cache/memcached';
import { distributedSuite } from './support/distributed-suite.js';

distributedSuite({
  backend: 'memcached',
  driver: 'memcached',
  create: (servers, prefix) => new MemcachedStore({ servers: servers.split(','), prefix }),
});
