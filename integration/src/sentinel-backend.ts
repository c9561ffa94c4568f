/**
 * The shared Redis Sentinel set (`scripts/services.sh start`: a primary, a replica and
 * three Sentinels) as an integration backend, with the same conventions as
 * `backends.ts`: the address comes from an environment variable with a loopback
 * default, an unreachable set skips the suite with the reason, and fails it under
 * `CACHE_REQUIRE_ALL=1`.
 *
 * @packageDocumentation
 */
import { Redis } from 'ioredis';
import { describe } from 'vitest';
import { canConnect, type Endpoint, parseHostList, registerUnreachable } from './backends.js';

/** Environment variable holding the Sentinels, `host:port[,host:port…]`. */
export const SENTINELS_ENV = 'CACHE_REDIS_SENTINELS';
/** Environment variable holding the monitored master's name. */
export const SENTINEL_NAME_ENV = 'CACHE_REDIS_SENTINEL_NAME';
/** What `scripts/services.sh` starts. */
export const DEFAULT_SENTINELS = '127.0.0.1:26379,127.0.0.1:26380,127.0.0.1:26381';
/** The master name `scripts/services.sh` configures. */
export const DEFAULT_SENTINEL_NAME = 'cache-primary';

/** Where to find a Sentinel-monitored primary. */
export interface SentinelBackend {
  /** The Sentinels, as given in `CACHE_REDIS_SENTINELS`. */
  readonly address: string;
  /** The Sentinels as ioredis `sentinels` entries. */
  readonly sentinels: Endpoint[];
  /** The master name the Sentinels monitor. */
  readonly name: string;
}

/** The Sentinel backend from the environment, or the `scripts/services.sh` defaults. */
export function sentinelBackend(env: NodeJS.ProcessEnv = process.env): SentinelBackend {
  const address = env[SENTINELS_ENV]?.trim() || DEFAULT_SENTINELS;
  const name = env[SENTINEL_NAME_ENV]?.trim() || DEFAULT_SENTINEL_NAME;
  return { address, sentinels: parseHostList(address, 26379), name };
}

/**
 * Sends one `SENTINEL …` command to one Sentinel on a connection of its own (no
 * retries, no queue), and closes it.
 */
export async function sentinelCommand(endpoint: Endpoint, ...args: string[]): Promise<unknown> {
  const client = new Redis({
    host: endpoint.host,
    port: endpoint.port,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    connectTimeout: 1_000,
    // A Sentinel has no INFO `loading` field to wait for.
    enableReadyCheck: false,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return await client.call('SENTINEL', ...args);
  } finally {
    client.disconnect();
  }
}

/** The `host:port` a Sentinel gives for master `name`, or `undefined` when it knows none. */
export async function masterAddress(endpoint: Endpoint, name: string): Promise<Endpoint | undefined> {
  const reply = await sentinelCommand(endpoint, 'get-master-addr-by-name', name);
  if (!Array.isArray(reply) || reply.length !== 2) return undefined;
  return { host: String(reply[0]), port: Number(reply[1]) };
}

/**
 * Why the Sentinel set cannot serve a store, or `undefined` when it can: every
 * Sentinel accepts TCP, the first one names the master, and the master accepts TCP.
 */
export async function probeSentinelBackend(backend: SentinelBackend): Promise<string | undefined> {
  if (backend.sentinels.length === 0) return 'no Sentinels configured';
  const open = await Promise.all(backend.sentinels.map((endpoint) => canConnect(endpoint, 1_000)));
  const closed = backend.sentinels.filter((_, index) => !open[index]);
  if (closed.length > 0) return `no TCP answer from ${closed.map((e) => `${e.host}:${e.port}`).join(', ')}`;
  let master: Endpoint | undefined;
  try {
    master = await masterAddress(backend.sentinels[0] as Endpoint, backend.name);
  } catch (error) {
    return `SENTINEL get-master-addr-by-name failed: ${String(error)}`;
  }
  if (master === undefined) return `the Sentinels monitor no master named ${backend.name}`;
  if (!(await canConnect(master, 1_000))) return `master ${master.host}:${master.port} does not answer`;
  return undefined;
}

/**
 * Registers `describe('backend: redis-sentinel')` whose body `fn(backend)` runs only
 * when the Sentinel set serves its master; otherwise a skipped test with the reason,
 * or (with `CACHE_REQUIRE_ALL=1`) a failing one, as `describeBackend` does.
 */
export function describeSentinelBackend(fn: (backend: SentinelBackend) => void): void {
  describe('backend: redis-sentinel', async () => {
    const backend = sentinelBackend();
    const reason = await probeSentinelBackend(backend);
    if (reason === undefined) {
      fn(backend);
      return;
    }
    registerUnreachable(
      `backend redis-sentinel unreachable at ${backend.address} (master ${backend.name}: ${reason}); set ${SENTINELS_ENV} and ${SENTINEL_NAME_ENV} or run scripts/services.sh start`,
    );
  });
}
