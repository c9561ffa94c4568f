/**
 * A Redis Sentinel set a test owns: a primary, one replica and three Sentinels,
 * each a `redis-server` process on a free loopback port, so that the test may kill
 * its primary without touching anything shared.
 *
 * @packageDocumentation
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Endpoint } from './backends.js';
import { freePort } from './free-port.js';
import { pollUntil } from './outage.js';
import { masterAddress, sentinelCommand } from './sentinel-backend.js';
import { REDIS_SERVER, type ServerCommand, ServerProcess } from './server-process.js';

const HOST = '127.0.0.1';

/**
 * How long a Sentinel waits before calling the master down. It must exceed
 * Sentinel's 1 s ping period: at exactly 1000 ms a just-promoted primary is pinged
 * first after 1 s and marked down at once (measured: a second, spurious failover).
 */
export const SENTINEL_DOWN_AFTER_MS = 1_500;
/** Sentinel `failover-timeout`: short, so a stuck failover is retried quickly. */
export const SENTINEL_FAILOVER_TIMEOUT_MS = 5_000;

/** Options of {@link SentinelSet.start}. */
export interface SentinelSetOptions {
  /** Master name the Sentinels monitor. Default `'failover-primary'`. */
  readonly name?: string;
  /** How long {@link SentinelSet.start} waits for the set to form. Default 20 s. */
  readonly formMs?: number;
}

/** A replica of `primaryPort`, otherwise like {@link REDIS_SERVER}. */
function replicaServer(primaryPort: number): ServerCommand {
  return {
    name: 'redis-server (replica)',
    command: 'redis-server',
    args: (port) => [...REDIS_SERVER.args(port), '--replicaof', HOST, String(primaryPort)],
  };
}

/** A Sentinel reading (and rewriting: Sentinel requires it writable) `configFile`. */
function sentinelServer(configFile: string): ServerCommand {
  return { name: 'redis-server --sentinel', command: 'redis-server', args: () => [configFile, '--sentinel'] };
}

/** A primary, its replica and three Sentinels with quorum 2, all of one test. */
export class SentinelSet {
  private constructor(
    /** The master name the Sentinels monitor. */
    readonly name: string,
    /** The Redis started as primary (a failover makes the replica primary instead). */
    readonly primary: ServerProcess,
    /** The Redis started as replica of {@link SentinelSet.primary}. */
    readonly replica: ServerProcess,
    /** The three Sentinels. */
    readonly sentinelProcesses: readonly ServerProcess[],
    private readonly directory: string,
  ) {}

  /** Processes started by {@link SentinelSet.rejoinAsReplica}, for {@link SentinelSet.stop}. */
  private readonly rejoined: ServerProcess[] = [];

  /**
   * Starts the primary, then the replica (until its link to the primary is up), then
   * the Sentinels, and resolves once every Sentinel sees the replica and the two
   * other Sentinels and has quorum: a failover is then possible.
   */
  static async start(options: SentinelSetOptions = {}): Promise<SentinelSet> {
    const name = options.name ?? 'failover-primary';
    const directory = await mkdtemp(join(tmpdir(), 'cache-sentinel-'));
    const primary = new ServerProcess(REDIS_SERVER, await freePort());
    const replica = new ServerProcess(replicaServer(primary.port), await freePort());
    const sentinels: ServerProcess[] = [];
    for (let index = 0; index < 3; index++) {
      const port = await freePort();
      const configFile = join(directory, `sentinel-${port}.conf`);
      await writeFile(
        configFile,
        [
          `port ${port}`,
          `bind ${HOST}`,
          `dir ${directory}`,
          `sentinel monitor ${name} ${HOST} ${primary.port} 2`,
          `sentinel down-after-milliseconds ${name} ${SENTINEL_DOWN_AFTER_MS}`,
          `sentinel failover-timeout ${name} ${SENTINEL_FAILOVER_TIMEOUT_MS}`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      );
      sentinels.push(new ServerProcess(sentinelServer(configFile), port));
    }
    const set = new SentinelSet(name, primary, replica, sentinels, directory);
    try {
      await primary.start();
      await replica.start();
      // Sentinels learn the replica from the primary's INFO, so it must be attached first.
      await pollUntil(
        async () => (await set.replication(replica.port)).includes('master_link_status:up'),
        10_000,
      );
      for (const sentinel of sentinels) await sentinel.start();
      await pollUntil(() => set.formed(), options.formMs ?? 20_000);
    } catch (error) {
      await set.stop();
      throw error;
    }
    return set;
  }

  /** The Sentinels, for ioredis' `sentinels` option. */
  get sentinels(): Endpoint[] {
    return this.sentinelProcesses.map((sentinel) => ({ host: HOST, port: sentinel.port }));
  }

  /** The master every running Sentinel agrees on, or `undefined` while they differ or know none. */
  async agreedMaster(): Promise<Endpoint | undefined> {
    const answers = await Promise.all(this.sentinels.map((endpoint) => masterAddress(endpoint, this.name)));
    const first = answers[0];
    if (first === undefined) return undefined;
    return answers.every((answer) => answer?.host === first.host && answer.port === first.port)
      ? first
      : undefined;
  }

  /** `INFO replication` of one of this set's Redis servers. */
  async replication(port: number): Promise<string> {
    const client = new Redis({ host: HOST, port, lazyConnect: true, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      return await client.info('replication');
    } finally {
      client.disconnect();
    }
  }

  /**
   * Starts a Redis again on the port of `server` (killed), as a replica of `ofPort`,
   * as an operator does after a crash, and resolves once every Sentinel counts it as a
   * healthy replica (so it can be promoted).
   */
  async rejoinAsReplica(server: ServerProcess, ofPort: number): Promise<ServerProcess> {
    if (server.running) throw new Error(`port ${server.port} is still served`);
    const rejoined = new ServerProcess(replicaServer(ofPort), server.port);
    this.rejoined.push(rejoined);
    await rejoined.start();
    await pollUntil(
      async () => (await this.replication(rejoined.port)).includes('master_link_status:up'),
      10_000,
    );
    await pollUntil(async () => {
      for (const endpoint of this.sentinels) {
        const replicas = await sentinelCommand(endpoint, 'replicas', this.name);
        const healthy = (Array.isArray(replicas) ? replicas : [])
          .map(fieldsOf)
          .some(
            (fields) =>
              Number(fields.get('port')) === rejoined.port &&
              fields.get('flags') === 'slave' &&
              fields.get('master-link-status') === 'ok',
          );
        if (!healthy) return false;
      }
      return true;
    }, 20_000);
    return rejoined;
  }

  /** Asks a Sentinel for a failover now (`SENTINEL FAILOVER`): the graceful kind, for upgrades. */
  async failover(): Promise<void> {
    const reply = await sentinelCommand(this.sentinels[0] as Endpoint, 'failover', this.name);
    if (reply !== 'OK') throw new Error(`SENTINEL FAILOVER answered ${String(reply)}`);
  }

  /** Kills every process of the set and removes its directory (idempotent). */
  async stop(): Promise<void> {
    const processes = [this.primary, this.replica, ...this.rejoined, ...this.sentinelProcesses];
    await Promise.all(processes.map((server) => server.kill()));
    await rm(this.directory, { recursive: true, force: true });
  }

  /** Whether every Sentinel has quorum and knows one replica and two other Sentinels. */
  private async formed(): Promise<boolean> {
    for (const endpoint of this.sentinels) {
      if (!String(await sentinelCommand(endpoint, 'ckquorum', this.name)).startsWith('OK')) return false;
      const fields = fieldsOf(await sentinelCommand(endpoint, 'master', this.name));
      if (Number(fields.get('num-slaves')) < 1 || Number(fields.get('num-other-sentinels')) < 2) return false;
    }
    return true;
  }
}

/** A flat `[field, value, …]` reply as a map. */
function fieldsOf(reply: unknown): Map<string, string> {
  const fields = new Map<string, string>();
  if (!Array.isArray(reply)) return fields;
  for (let index = 0; index + 1 < reply.length; index += 2) {
    fields.set(String(reply[index]), String(reply[index + 1]));
  }
  return fields;
}
