import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { BACKENDS, type BackendName, backendAddress } from '../src/backends.js';
import {
  CONTAINER_RECIPES,
  findContainerRuntime,
  type RuntimeCheck,
  startMissingBackends,
  type Testcontainers,
} from '../src/containers.js';

/*
 * The Docker fallback. This project's machines and CI have no container engine, so
 * most of these tests drive the recipes through a stand-in for the testcontainers
 * API (recording what would be started) and check what the suite then does with
 * the result; the last one starts a real container where an engine exists.
 */

interface FakeLaunch {
  image: string;
  ports: number[];
  command: string[];
  environment: Record<string, string>;
  networkMode?: string;
  stopped: boolean;
}

/** A stand-in for testcontainers that "starts" containers mapped to port + 30000. */
function fakeTestcontainers(options: { failOnImageCall?: number } = {}) {
  const launches: FakeLaunch[] = [];
  class GenericContainer {
    readonly launch: FakeLaunch;
    constructor(image: string) {
      this.launch = { image, ports: [], command: [], environment: {}, stopped: false };
    }
    withExposedPorts(...ports: number[]) {
      this.launch.ports.push(...ports);
      return this;
    }
    withCommand(command: string[]) {
      this.launch.command = command;
      return this;
    }
    withEnvironment(environment: Record<string, string>) {
      this.launch.environment = environment;
      return this;
    }
    withNetworkMode(mode: string) {
      this.launch.networkMode = mode;
      return this;
    }
    withWaitStrategy() {
      return this;
    }
    withStartupTimeout() {
      return this;
    }
    async start() {
      launches.push(this.launch);
      if (options.failOnImageCall === launches.length) throw new Error('pull access denied');
      const launch = this.launch;
      return {
        getHost: () => 'localhost',
        getMappedPort: (port: number) => port + 30_000,
        exec: async (command: string[]) => ({
          exitCode: 0,
          output: command.includes('info') ? 'cluster_state:ok\r\n' : 'OK',
        }),
        stop: async () => {
          launch.stopped = true;
          return {};
        },
      };
    }
  }
  const Wait = { forLogMessage: () => ({}), forListeningPorts: () => ({}) };
  return { tc: { GenericContainer, Wait } as unknown as Testcontainers, launches };
}

/** The real engine check, for the one test that needs an engine. */
const runtime = await findContainerRuntime();

const available: RuntimeCheck = async () => ({ available: true });

describe('docker fallback for unreachable backends', () => {
  it('has a recipe for every backend the suite does not start itself', () => {
    const expected: BackendName[] = [
      'redis',
      'redis-cluster',
      'memcached',
      'memcached-multi',
      'postgres',
      'mysql',
      'nats',
    ];
    expect(Object.keys(CONTAINER_RECIPES).sort()).toEqual([...expected].sort());
  });

  it.each(Object.keys(CONTAINER_RECIPES) as BackendName[])(
    '%s: the started address parses back to the containers it started',
    async (name) => {
      const { tc, launches } = fakeTestcontainers();
      const configured = BACKENDS[name].defaultAddress;
      const started = await startMissingBackends([{ name, address: configured }], available, async () => tc);
      expect(started.reasons).toEqual({});
      const address = started.addresses[name] as string;
      const endpoints = BACKENDS[name].endpoints(address);
      expect(endpoints.length).toBe(launches.length);
      if (name === 'redis-cluster') {
        // Host network at the configured ports: nodes advertise reachable addresses.
        expect(launches.every((launch) => launch.networkMode === 'host')).toBe(true);
        expect(endpoints).toEqual(BACKENDS[name].endpoints(configured));
      } else {
        expect(endpoints).toEqual(
          launches.map((launch) => ({ host: 'localhost', port: (launch.ports[0] as number) + 30_000 })),
        );
      }
      await started.stop();
      expect(launches.every((launch) => launch.stopped)).toBe(true);
    },
  );

  it('database recipes create the `test` database the suite expects', async () => {
    const { tc, launches } = fakeTestcontainers();
    const started = await startMissingBackends(
      [
        { name: 'postgres', address: BACKENDS.postgres.defaultAddress },
        { name: 'mysql', address: BACKENDS.mysql.defaultAddress },
      ],
      available,
      async () => tc,
    );
    expect(started.addresses.postgres).toMatch(/^postgres:\/\/postgres@localhost:\d+\/test$/);
    expect(started.addresses.mysql).toMatch(/^mysql:\/\/root@localhost:\d+\/test$/);
    expect(launches.map((launch) => launch.environment)).toEqual([
      { POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: 'test' },
      { MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: '1', MARIADB_DATABASE: 'test' },
    ]);
    await started.stop();
  });

  it('without a container engine: nothing is loaded or started and each backend gets the reason', async () => {
    let loaded = false;
    const started = await startMissingBackends(
      [
        { name: 'redis', address: 'redis://127.0.0.1:1' },
        { name: 'nats', address: '127.0.0.1:1' },
      ],
      async () => ({ available: false, reason: 'no container engine (socket missing)' }),
      async () => {
        loaded = true;
        return fakeTestcontainers().tc;
      },
    );
    expect(loaded).toBe(false);
    expect(started.addresses).toEqual({});
    expect(started.reasons).toEqual({
      redis: 'no container engine (socket missing)',
      nats: 'no container engine (socket missing)',
    });
  });

  it('a recipe failing half-way becomes a reason, and what it started is stopped', async () => {
    // The second of memcached-multi's three containers fails to start.
    const { tc, launches } = fakeTestcontainers({ failOnImageCall: 2 });
    const started = await startMissingBackends(
      [
        { name: 'memcached-multi', address: BACKENDS['memcached-multi'].defaultAddress },
        { name: 'dynamodb', address: BACKENDS.dynamodb.defaultAddress },
      ],
      available,
      async () => tc,
    );
    expect(started.addresses).toEqual({});
    expect(started.reasons['memcached-multi']).toMatch(/memcached:1\.6-alpine failed: pull access denied/);
    expect(started.reasons.dynamodb).toBe('no container recipe for this backend');
    await started.stop();
    const running = launches.filter((launch, index) => index !== 1 && !launch.stopped);
    expect(running).toEqual([]);
  });

  it('a container address takes precedence over the environment and the default', () => {
    expect(backendAddress('nats', { nats: 'localhost:34222' })).toBe('localhost:34222');
    expect(backendAddress('nats', {})).toBe(
      process.env.CACHE_NATS_SERVERS?.trim() || BACKENDS.nats.defaultAddress,
    );
  });

  it('CACHE_NO_CONTAINERS=1 turns the fallback off', async () => {
    const saved = process.env.CACHE_NO_CONTAINERS;
    process.env.CACHE_NO_CONTAINERS = '1';
    try {
      expect(await findContainerRuntime()).toEqual({
        available: false,
        reason: 'containers disabled by CACHE_NO_CONTAINERS=1',
      });
    } finally {
      if (saved === undefined) delete process.env.CACHE_NO_CONTAINERS;
      else process.env.CACHE_NO_CONTAINERS = saved;
    }
  });

  it.runIf(runtime.available)(
    'with an engine: starts a real Redis container and round-trips a value',
    async () => {
      const started = await startMissingBackends([{ name: 'redis', address: 'redis://127.0.0.1:1' }]);
      try {
        const url = started.addresses.redis;
        expect(url, started.reasons.redis).toBeDefined();
        const client = new Redis(url as string);
        await client.set('containers-test', 'ok');
        expect(await client.get('containers-test')).toBe('ok');
        client.disconnect();
      } finally {
        await started.stop();
      }
    },
    180_000,
  );
});
