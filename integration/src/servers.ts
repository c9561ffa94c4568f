/**
 * Server processes of one's own on free loopback ports: what the fault tests kill
 * and restart, and what the benchmarks in `docs/bench` measure against (exported
 * to them as `@cache/integration/servers`).
 */
export { freePort } from './free-port.js';
export {
  MEMCACHED_SERVER,
  natsServer,
  REDIS_SERVER,
  type ServerCommand,
  ServerProcess,
} from './server-process.js';
