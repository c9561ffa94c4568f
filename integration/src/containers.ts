import type { GenericContainer, StartedTestContainer } from 'testcontainers';
import type { BackendName } from './backends.js';

/**
 * Docker fallback for backends that do not answer: where a container engine is
 * reachable, testcontainers starts the missing server and the suite runs against
 * it; where none is, the backend stays unreachable and is skipped (or, with
 * `CACHE_REQUIRE_ALL=1`, fails) with the reason given here.
 *
 * `scripts/services.sh start` remains the primary way to provide backends (and
 * the only one on machines without a Docker engine, such as this project's CI).
 * DynamoDB is not listed: its tests start dynalite in-process.
 */

/** The parts of the `testcontainers` module the recipes use (imported lazily). */
export type Testcontainers = Pick<typeof import('testcontainers'), 'GenericContainer' | 'Wait'>;

/**
 * Starts a container and records it for the final stop, so that a recipe failing
 * half-way (one of three nodes) leaves nothing running.
 */
export type StartContainer = (container: GenericContainer) => Promise<StartedTestContainer>;

/** How to start one backend in containers. */
export interface ContainerRecipe {
  /** Images pulled, for messages and docs. */
  readonly images: readonly string[];
  /**
   * Starts the backend and returns its address, in the format of the backend's
   * environment variable. `configured` is the address the suite could not reach
   * (the redis-cluster recipe reuses its ports).
   */
  readonly start: (tc: Testcontainers, run: StartContainer, configured: string) => Promise<string>;
}

/**
 * One container with one exposed port, ready once `ready` appeared `times` times in
 * its log (or, for `'port'`, once the port listens).
 */
interface SingleServer {
  readonly image: string;
  readonly port: number;
  readonly ready: RegExp | 'port';
  readonly times?: number;
  readonly environment?: Record<string, string>;
  readonly command?: string[];
}

function startSingle(
  tc: Testcontainers,
  run: StartContainer,
  server: SingleServer,
): Promise<StartedTestContainer> {
  let container: GenericContainer = new tc.GenericContainer(server.image)
    .withExposedPorts(server.port)
    .withWaitStrategy(
      server.ready === 'port'
        ? tc.Wait.forListeningPorts()
        : tc.Wait.forLogMessage(server.ready, server.times ?? 1),
    )
    .withStartupTimeout(120_000);
  if (server.environment !== undefined) container = container.withEnvironment(server.environment);
  if (server.command !== undefined) container = container.withCommand(server.command);
  return run(container);
}

const hostPort = (container: StartedTestContainer, port: number): string =>
  `${container.getHost()}:${container.getMappedPort(port)}`;

const REDIS_IMAGE = 'redis:7-alpine';
const MEMCACHED_IMAGE = 'memcached:1.6-alpine';
const redisServer: SingleServer = { image: REDIS_IMAGE, port: 6379, ready: /Ready to accept connections/ };
const memcachedServer: SingleServer = { image: MEMCACHED_IMAGE, port: 11211, ready: 'port' };

/** Ports of a `host:port,…` list, for the cluster recipe. */
function clusterPorts(configured: string): number[] {
  const ports = configured
    .split(',')
    .map((item) => Number(item.trim().split(':').pop()))
    .filter((port) => Number.isInteger(port) && port > 0 && port < 55_536);
  return ports.length >= 3 ? ports : [7000, 7001, 7002];
}

/**
 * A recipe running `count` copies of one server; `address` formats their
 * `host:port` pairs the way the backend's environment variable expects.
 */
function serverRecipe(
  server: SingleServer,
  address: (hostPorts: string[]) => string,
  count = 1,
): ContainerRecipe {
  return {
    images: [server.image],
    async start(tc, run) {
      const started = await Promise.all(Array.from({ length: count }, () => startSingle(tc, run, server)));
      return address(started.map((container) => hostPort(container, server.port)));
    },
  };
}

const first = (hostPorts: string[]): string => hostPorts[0] as string;

/** Container recipes by backend. A backend without one can only come from `scripts/services.sh`. */
export const CONTAINER_RECIPES: Readonly<Partial<Record<BackendName, ContainerRecipe>>> = {
  redis: serverRecipe(redisServer, ([node]) => `redis://${node}`),
  memcached: serverRecipe(memcachedServer, first),
  'memcached-multi': serverRecipe(memcachedServer, (hostPorts) => hostPorts.join(','), 3),
  postgres: serverRecipe(
    {
      image: 'postgres:16-alpine',
      port: 5432,
      // The entrypoint starts a temporary server for initdb first: wait for the second.
      ready: /database system is ready to accept connections/,
      times: 2,
      environment: { POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: 'test' },
    },
    ([node]) => `postgres://postgres@${node}/test`,
  ),
  mysql: serverRecipe(
    {
      image: 'mariadb:11',
      port: 3306,
      ready: /ready for connections/,
      times: 2,
      environment: { MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: '1', MARIADB_DATABASE: 'test' },
    },
    ([node]) => `mysql://root@${node}/test`,
  ),
  nats: serverRecipe(
    { image: 'nats:2.10-alpine', port: 4222, ready: /Server is ready/, command: ['-js'] },
    first,
  ),
  'redis-cluster': {
    images: [REDIS_IMAGE],
    // Cluster nodes advertise their own address to clients and to each other, so
    // they run on the host network at the configured ports (Linux engines).
    async start(tc, run, configured) {
      const ports = clusterPorts(configured);
      const containers = await Promise.all(
        ports.map((port) =>
          run(
            new tc.GenericContainer(REDIS_IMAGE)
              .withNetworkMode('host')
              .withCommand(['redis-server', '--port', String(port), '--cluster-enabled', 'yes', '--save', ''])
              .withWaitStrategy(tc.Wait.forLogMessage(/Ready to accept connections/))
              .withStartupTimeout(120_000),
          ),
        ),
      );
      const first = containers[0] as StartedTestContainer;
      const nodes = ports.map((port) => `127.0.0.1:${port}`);
      const created = await first.exec([
        'redis-cli',
        '--cluster',
        'create',
        ...nodes,
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ]);
      if (created.exitCode !== 0) throw new Error(`redis-cli --cluster create failed: ${created.output}`);
      // The slots are assigned at once, but the nodes agree on them a moment later.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const info = await first.exec(['redis-cli', '-p', String(ports[0]), 'cluster', 'info']);
        if (info.output.includes('cluster_state:ok')) break;
        if (Date.now() > deadline) throw new Error(`redis cluster did not reach state ok: ${info.output}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      return nodes.join(',');
    },
  },
};

/** Whether a container engine answers; the reason when not. */
export type RuntimeCheck = () => Promise<
  { readonly available: true } | { readonly available: false; readonly reason: string }
>;

/** Asks testcontainers whether it finds a working container runtime. */
export const findContainerRuntime: RuntimeCheck = async () => {
  if (process.env.CACHE_NO_CONTAINERS === '1') {
    return { available: false, reason: 'containers disabled by CACHE_NO_CONTAINERS=1' };
  }
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return { available: true };
  } catch (error) {
    return {
      available: false,
      reason: `no container engine (${error instanceof Error ? error.message : String(error)})`,
    };
  }
};

/** Outcome of {@link startMissingBackends}. */
export interface MissingBackends {
  /** Addresses of the backends now served by containers. */
  readonly addresses: Partial<Record<BackendName, string>>;
  /** Why each other missing backend could not be started. */
  readonly reasons: Partial<Record<BackendName, string>>;
  /** Stops every container started. */
  readonly stop: () => Promise<void>;
}

/**
 * Starts a container for each missing backend that has a recipe, when a runtime
 * exists. Never throws: a failure becomes that backend's reason.
 *
 * @param missing - unreachable backends and the address each was probed at
 * @param runtime - the runtime check (a test passes its own)
 * @param load - loads testcontainers (a test passes its own)
 */
export async function startMissingBackends(
  missing: ReadonlyArray<{ readonly name: BackendName; readonly address: string }>,
  runtime: RuntimeCheck = findContainerRuntime,
  load: () => Promise<Testcontainers> = () => import('testcontainers'),
): Promise<MissingBackends> {
  const addresses: Partial<Record<BackendName, string>> = {};
  const reasons: Partial<Record<BackendName, string>> = {};
  const started: StartedTestContainer[] = [];
  const stop = async (): Promise<void> => {
    await Promise.allSettled(started.map((container) => container.stop()));
  };
  if (missing.length === 0) return { addresses, reasons, stop };
  const check = await runtime();
  if (!check.available) {
    for (const { name } of missing) reasons[name] = check.reason;
    return { addresses, reasons, stop };
  }
  const tc = await load();
  const run: StartContainer = async (container) => {
    const running = await container.start();
    started.push(running);
    return running;
  };
  for (const { name, address } of missing) {
    const recipe = CONTAINER_RECIPES[name];
    if (recipe === undefined) {
      reasons[name] = 'no container recipe for this backend';
      continue;
    }
    try {
      addresses[name] = await recipe.start(tc, run, address);
    } catch (error) {
      reasons[name] =
        `starting ${recipe.images.join(', ')} failed: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  return { addresses, reasons, stop };
}
