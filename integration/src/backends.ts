import { describe, inject, it } from 'vitest';
import { canConnect, type Endpoint } from './tcp.js';

export { canConnect, type Endpoint } from './tcp.js';

/**
 * The networked backends the integration suite runs against. Each one's address
 * comes from an environment variable (what `scripts/services.sh start` prints),
 * with a loopback default matching that script.
 */
export type BackendName =
  | 'redis'
  | 'redis-cluster'
  | 'memcached'
  | 'memcached-multi'
  | 'postgres'
  | 'mysql'
  | 'nats'
  | 'dynamodb';

/** How to find one backend. */
export interface BackendDefinition {
  /** Registry name. */
  readonly name: BackendName;
  /** Environment variable holding the address. */
  readonly envVar: string;
  /** Address used when the variable is unset. */
  readonly defaultAddress: string;
  /** The TCP endpoints to probe for an address in this backend's format. */
  readonly endpoints: (address: string) => Endpoint[];
}

/** Splits `host:port[,host:port…]` (bare host lists get `defaultPort`). */
export function parseHostList(list: string, defaultPort: number): Endpoint[] {
  return list
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0)
    .map((item) => {
      const url = new URL(item.includes('://') ? item : `tcp://${item}`);
      return { host: stripBrackets(url.hostname), port: url.port === '' ? defaultPort : Number(url.port) };
    });
}

/** The host and port of a URL such as `redis://127.0.0.1:6379/0`. */
export function parseUrlEndpoint(address: string, defaultPort: number): Endpoint[] {
  const url = new URL(address);
  return [{ host: stripBrackets(url.hostname), port: url.port === '' ? defaultPort : Number(url.port) }];
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Every backend the integration suite knows, by name. */
export const BACKENDS: Readonly<Record<BackendName, BackendDefinition>> = {
  redis: {
    name: 'redis',
    envVar: 'CACHE_REDIS_URL',
    defaultAddress: 'redis://127.0.0.1:6379',
    endpoints: (address) => parseUrlEndpoint(address, 6379),
  },
  'redis-cluster': {
    name: 'redis-cluster',
    envVar: 'CACHE_REDIS_CLUSTER_NODES',
    defaultAddress: '127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002',
    endpoints: (address) => parseHostList(address, 6379),
  },
  memcached: {
    name: 'memcached',
    envVar: 'CACHE_MEMCACHED_SERVERS',
    defaultAddress: '127.0.0.1:11211',
    endpoints: (address) => parseHostList(address, 11211),
  },
  'memcached-multi': {
    name: 'memcached-multi',
    envVar: 'CACHE_MEMCACHED_MULTI_SERVERS',
    defaultAddress: '127.0.0.1:11211,127.0.0.1:11212,127.0.0.1:11213',
    endpoints: (address) => parseHostList(address, 11211),
  },
  postgres: {
    name: 'postgres',
    envVar: 'CACHE_POSTGRES_URL',
    defaultAddress: 'postgres://postgres@127.0.0.1:5432/test',
    endpoints: (address) => parseUrlEndpoint(address, 5432),
  },
  mysql: {
    name: 'mysql',
    envVar: 'CACHE_MYSQL_URL',
    defaultAddress: 'mysql://root@127.0.0.1:3306/test',
    endpoints: (address) => parseUrlEndpoint(address, 3306),
  },
  nats: {
    name: 'nats',
    envVar: 'CACHE_NATS_SERVERS',
    defaultAddress: '127.0.0.1:4222',
    endpoints: (address) => parseHostList(address, 4222),
  },
  dynamodb: {
    name: 'dynamodb',
    envVar: 'CACHE_DYNAMODB_ENDPOINT',
    defaultAddress: 'http://127.0.0.1:4567',
    endpoints: (address) => parseUrlEndpoint(address, 80),
  },
};

/** Backend addresses the integration run's global setup started containers for. */
export type ContainerAddresses = Partial<Record<BackendName, string>>;

/**
 * What the global setup (`src/global-setup.ts`) provided, or nothing outside a
 * vitest worker of this project.
 */
function provided<K extends 'containerAddresses' | 'containerReasons'>(key: K): ContainerAddresses {
  try {
    return inject(key) ?? {};
  } catch {
    return {};
  }
}

/**
 * The address of a backend: a container the global setup started for it (only
 * when the configured address did not answer), else its environment variable,
 * else the loopback default.
 *
 * @param containers - container addresses; by default what the global setup provided
 */
export function backendAddress(
  name: BackendName,
  containers: ContainerAddresses = provided('containerAddresses'),
): string {
  const started = containers[name];
  if (started !== undefined) return started;
  const definition = BACKENDS[name];
  const configured = process.env[definition.envVar]?.trim();
  return configured !== undefined && configured.length > 0 ? configured : definition.defaultAddress;
}

/** Outcome of {@link probeBackend}. */
export interface ProbeResult {
  /** Backend name. */
  readonly name: BackendName;
  /** The address probed. */
  readonly address: string;
  /** Whether every endpoint accepted a TCP connection. */
  readonly reachable: boolean;
  /** Why it is not reachable. */
  readonly reason?: string;
}

/**
 * Probes every endpoint of a backend with a short TCP connect.
 *
 * @param containers - container addresses to prefer (see {@link backendAddress})
 */
export async function probeBackend(
  name: BackendName,
  timeoutMs = 1_000,
  containers?: ContainerAddresses,
): Promise<ProbeResult> {
  const address = backendAddress(name, containers);
  let endpoints: Endpoint[];
  try {
    endpoints = BACKENDS[name].endpoints(address);
  } catch (error) {
    return {
      name,
      address,
      reachable: false,
      reason: `cannot parse ${BACKENDS[name].envVar}: ${String(error)}`,
    };
  }
  if (endpoints.length === 0) return { name, address, reachable: false, reason: 'no endpoints configured' };
  const open = await Promise.all(endpoints.map((endpoint) => canConnect(endpoint, timeoutMs)));
  const closed = endpoints.filter((_, index) => !open[index]);
  if (closed.length === 0) return { name, address, reachable: true };
  return {
    name,
    address,
    reachable: false,
    reason: `no TCP answer from ${closed.map((e) => `${e.host}:${e.port}`).join(', ')}`,
  };
}

/** Whether the CI switch that turns a skipped backend into a failure is on. */
export function requireAllBackends(): boolean {
  return process.env.CACHE_REQUIRE_ALL === '1';
}

/**
 * Registers `describe('backend: <name>')` whose body `fn(address)` runs only when the
 * backend answers. Otherwise:
 * - with `CACHE_REQUIRE_ALL=1` (CI) it registers one failing test, "backend X
 *   unreachable at ADDR";
 * - without it, the suite is reported skipped and the reason is printed.
 *
 * A backend that did not answer at its configured address may have been started in
 * a container by the global setup (where a Docker engine exists); then that is the
 * address probed. Otherwise the message says why no container stands in.
 *
 * @param name - the backend
 * @param fn - registers the suites; receives the backend's address
 */
export function describeBackend(name: BackendName, fn: (address: string) => void): void {
  describe(`backend: ${name}`, async () => {
    const probe = await probeBackend(name);
    if (probe.reachable) {
      fn(probe.address);
      return;
    }
    const noContainer = provided('containerReasons')[name];
    registerUnreachable(
      `backend ${name} unreachable at ${probe.address} (${probe.reason}${noContainer === undefined ? '' : `; ${noContainer}`}); set ${BACKENDS[name].envVar} or run scripts/services.sh start`,
    );
  });
}

/**
 * What a suite registers when its backend does not answer (inside its `describe`):
 * a failing test under `CACHE_REQUIRE_ALL=1` (CI), otherwise one skipped test whose
 * title is the reason — the backend is unreachable here and nothing can be checked,
 * which is said, never silent.
 */
export function registerUnreachable(message: string): void {
  if (requireAllBackends()) {
    it('is reachable (CACHE_REQUIRE_ALL=1)', () => {
      throw new Error(message);
    });
    return;
  }
  console.warn(`[integration] skipped: ${message}`);
  // Skipped, not failed: outside CI a developer may lack this backend; the reason is the title.
  it.skip(`skipped: ${message}`, () => {});
}
