import { RedisStore } from '@cache/redis';
import { runFaultRecoverySuite } from '../src/fault-recovery.js';
import { REDIS_SERVER } from '../src/server-process.js';

runFaultRecoverySuite({
  name: 'redis (own redis-server, SIGKILL)',
  server: REDIS_SERVER,
  createStore: (port, prefix) => new RedisStore({ url: `redis://127.0.0.1:${port}`, prefix }),
});
