import { MemcachedStore } from '@cache/memcached';
import { runFaultRecoverySuite } from '../src/fault-recovery.js';
import { MEMCACHED_SERVER } from '../src/server-process.js';

runFaultRecoverySuite({
  name: 'memcached (own memcached, SIGKILL)',
  server: MEMCACHED_SERVER,
  createStore: (port, prefix) => new MemcachedStore({ servers: [`127.0.0.1:${port}`], prefix }),
});
