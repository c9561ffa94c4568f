import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import {
  type Bus,
  type BusMessage,
  CacheTimeoutError,
  ConfigError,
  CorruptPayloadError,
  StoreClosedError,
  StoreError,
} from '@cache/core';
import { runBusContract, BusRecorder as Recorder } from '@cache/contract';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CHANNEL_PREFIX, RedisBus, type RedisBusOptions } from '../src/index.js';
import { clusterNodes, REDIS_URL } from './support.js';

const WAIT = { interval: 10, timeout: 10_000 };
const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
});

/** A bus the file closes afterwards. */
function openBus(options: Partial<RedisBusOptions> = {}): RedisBus {
  const bus = new RedisBus({
    url: REDIS_URL,
    channel: `unit-${Math.random().toString(36).slice(2)}`,
    ...options,
  });
  cleanup.push(() => bus.close());
  return bus;
}

/** A raw client the file quits afterwards. */
function openRaw(options: string | RedisOptions = REDIS_URL): Redis {
  const client = typeof options === 'string' ? new Redis(options) : new Redis(options);
  cleanup.push(async () => client.disconnect());
  return client;
}

/**
 * Cuts exactly this bus's subscriber connection from the server side: `CLIENT KILL`
 * filtered by its own id and by type pubsub, so no other client of the shared
 * server is touched.
 */
async function killSubscriber(bus: Bus): Promise<void> {
  const info = (bus as RedisBus).subscriberConnection;
  if (info === undefined) throw new Error('the bus has no active subscriber connection');
  const admin = new Redis({ host: info.host, port: info.port });
  try {
    expect(await admin.client('KILL', 'ID', String(info.id), 'TYPE', 'pubsub')).toBe(1);
  } finally {
    admin.disconnect();
  }
}

const evict = (sequence: number, keys: string[] = ['k']): BusMessage => ({
  sender: 'unit',
  sequence,
  kind: 'evict',
  keys,
});

runBusContract({
  name: 'redis (standalone, connections owned by the bus)',
  create: ({ channel }) => new RedisBus({ url: REDIS_URL, channel }),
  disconnect: killSubscriber,
});

// One injected client shared by every bus of the suite: each bus still subscribes on a
// duplicate of its own, and closing a bus never closes the shared client.
let injected: Redis | undefined;
runBusContract({
  name: 'redis (injected client)',
  create: ({ channel }) => {
    injected ??= openRaw();
    return new RedisBus({ client: injected, channel });
  },
  disconnect: killSubscriber,
});

describe.runIf(clusterNodes.length > 0)('on the local Redis Cluster', () => {
  runBusContract({
    name: 'redis cluster',
    create: ({ channel }) => new RedisBus({ clusterNodes, channel }),
    disconnect: killSubscriber,
  });
  // An injected Cluster without auto-pipelining sends each keyless PUBLISH to a random
  // node: without the bus pinning one master, the order check of this suite fails.
  let cluster: Cluster | undefined;
  runBusContract({
    name: 'redis cluster (injected Cluster, no auto-pipelining)',
    create: ({ channel }) => {
      if (cluster === undefined) {
        const created = new Cluster(clusterNodes);
        cleanup.push(async () => created.disconnect());
        cluster = created;
      }
      return new RedisBus({ client: cluster, channel });
    },
    disconnect: killSubscriber,
  });
});

describe('RedisBus options', () => {
  it('requires a well-formed, non-empty channel and one way to connect', () => {
    const invalid: unknown[] = [
      {},
      { channel: '' },
      { channel: 42 },
      { channel: 'a\uD800b' },
      { channel: 'c', channelPrefix: 7 },
      { channel: 'c', url: REDIS_URL, clusterNodes: ['127.0.0.1:7000'] },
      { channel: 'c', url: 'http://127.0.0.1:6379' },
      { channel: 'c', clusterNodes: [] },
      { channel: 'c', timeout: 0 },
      { channel: 'c', timeout: 'soon' },
      { channel: 'c', pingInterval: -1 },
      { channel: 'c', onBackgroundError: 'log' },
    ];
    for (const options of invalid) {
      expect(() => new RedisBus(options as RedisBusOptions), JSON.stringify(options)).toThrow(ConfigError);
    }
  });

  it('namespaces the Redis channel with channelPrefix (default cache:bus:)', async () => {
    expect(openBus({ channel: 'shop' }).channel).toBe(`${DEFAULT_CHANNEL_PREFIX}shop`);
    expect(DEFAULT_CHANNEL_PREFIX).toBe('cache:bus:');
    expect(openBus({ channel: 'shop', channelPrefix: '' }).channel).toBe('shop');
    expect(openBus({ channel: 'shop', channelPrefix: 'app/' }).channel).toBe('app/shop');
  });
});

describe('RedisBus', () => {
  it('ignores payloads that are not bus messages and reports them, never crashing', async () => {
    const errors: unknown[] = [];
    const receiver = openBus({ onBackgroundError: (error) => errors.push(error) });
    const recorder = new Recorder();
    await receiver.subscribe(recorder);
    const raw = openRaw();
    await raw.publish(receiver.channel, Buffer.from([0xff, 0x00, 0x13]));
    await raw.publish(receiver.channel, 'hello from someone else');
    const sender = openBus({ channel: receiver.channel, channelPrefix: '' });
    await sender.publish(evict(1, ['after-garbage']));
    await vi.waitFor(() => expect(recorder.messages).toHaveLength(1), WAIT);
    expect(recorder.messages[0]?.keys).toEqual(['after-garbage']);
    expect(errors).toHaveLength(2);
    expect(errors.every((error) => error instanceof CorruptPayloadError)).toBe(true);
  });

  it('a listener that throws neither stops the others nor the bus', async () => {
    const errors: unknown[] = [];
    const bus = openBus({ onBackgroundError: (error) => errors.push(error) });
    const thrower = new Recorder();
    thrower.message = () => {
      throw new Error('listener bug');
    };
    const recorder = new Recorder();
    await bus.subscribe(thrower);
    await bus.subscribe(recorder);
    await bus.publish(evict(1));
    await bus.publish(evict(2));
    await vi.waitFor(() => expect(recorder.messages.map((m) => m.sequence)).toEqual([1, 2]), WAIT);
    expect(errors.map((error) => (error as Error).message)).toEqual(['listener bug', 'listener bug']);
  });

  it('close() leaves an injected client open but closes the subscriber connection it duplicated', async () => {
    const client = openRaw();
    const bus = new RedisBus({ client, channel: 'injected-close' });
    await bus.subscribe(new Recorder());
    const id = bus.subscriberConnection?.id;
    expect(id).toBeGreaterThan(0);
    await bus.publish(evict(1));
    await bus.close();
    await bus.close();
    expect(client.status).toBe('ready');
    expect(await client.ping()).toBe('PONG');
    await vi.waitFor(async () => expect(await client.client('LIST', 'ID', String(id))).toBe(''), WAIT);
    await expect(bus.publish(evict(2))).rejects.toBeInstanceOf(StoreClosedError);
    await expect(bus.subscribe(new Recorder())).rejects.toBeInstanceOf(StoreClosedError);
  });

  it('the last unsubscribe closes the subscriber connection; a new subscribe opens another', async () => {
    const bus = openBus();
    const first = await bus.subscribe(new Recorder());
    const id = bus.subscriberConnection?.id;
    await first.unsubscribe();
    await first.unsubscribe();
    expect(bus.subscriberConnection).toBeUndefined();
    const recorder = new Recorder();
    await bus.subscribe(recorder);
    expect(bus.subscriberConnection?.id).not.toBe(id);
    await bus.publish(evict(1));
    await vi.waitFor(() => expect(recorder.messages).toHaveLength(1), WAIT);
  });

  it('publish and subscribe fail fast with a StoreError when Redis is unreachable', async () => {
    const port = await closedPort();
    const bus = openBus({ url: `redis://127.0.0.1:${port}`, timeout: 500 });
    const started = performance.now();
    await expect(bus.publish(evict(1))).rejects.toBeInstanceOf(StoreError);
    await expect(bus.subscribe(new Recorder())).rejects.toBeInstanceOf(StoreError);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(bus.subscriberConnection).toBeUndefined();
  });

  it('a publish without a reply rejects with CacheTimeoutError after timeout', async () => {
    const silent = await listen((socket) => socket.on('data', () => {}));
    const client = openRaw({
      port: silent.port,
      enableReadyCheck: false,
      disableClientInfo: true,
      maxRetriesPerRequest: 0,
    });
    await vi.waitFor(() => expect(client.status).toBe('ready'), WAIT);
    const bus = new RedisBus({ client, channel: 'silent', timeout: 200 });
    cleanup.push(() => bus.close());
    const started = performance.now();
    const error = await bus.publish(evict(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CacheTimeoutError);
    expect((error as CacheTimeoutError).maybeApplied).toBe(true);
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it('rejects with the signal reason once aborted', async () => {
    const bus = openBus();
    const controller = new AbortController();
    controller.abort(new Error('caller gave up'));
    await expect(bus.publish(evict(1), { signal: controller.signal })).rejects.toThrow('caller gave up');
  });

  it('the heartbeat reports a connection that went silent as lost, and recovery once it answers', async () => {
    const proxy = await freezableProxy(new URL(REDIS_URL));
    const errors: unknown[] = [];
    const bus = openBus({
      url: `redis://127.0.0.1:${proxy.port}`,
      pingInterval: 50,
      timeout: 300,
      onBackgroundError: (error) => errors.push(error),
    });
    const recorder = new Recorder();
    await bus.subscribe(recorder);
    proxy.frozen = true;
    await vi.waitFor(() => expect(recorder.lostCount).toBe(1), WAIT);
    expect(recorder.restoredCount).toBe(0);
    expect(errors.some((error) => error instanceof StoreError)).toBe(true);
    proxy.frozen = false;
    await vi.waitFor(() => expect(recorder.restoredCount).toBe(1), WAIT);
    const sender = openBus({ channel: bus.channel, channelPrefix: '' });
    await sender.publish(evict(1, ['after-thaw']));
    await vi.waitFor(() => expect(recorder.messages.map((m) => m.keys[0])).toEqual(['after-thaw']), WAIT);
  });
});

/** A TCP server for the test; closed afterwards. */
async function listen(onSocket: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { server, port: (server.address() as { port: number }).port };
}

/** A port nobody listens on. */
async function closedPort(): Promise<number> {
  const { server, port } = await listen(() => {});
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A TCP proxy to Redis that, while `frozen`, silently drops everything in both directions. */
async function freezableProxy(target: URL): Promise<{ port: number; frozen: boolean }> {
  const state = { port: 0, frozen: false };
  const { port } = await listen((socket) => {
    const upstream = tcpConnect(Number(target.port || 6379), target.hostname);
    upstream.on('error', () => socket.destroy());
    socket.once('close', () => upstream.destroy());
    upstream.once('close', () => socket.destroy());
    socket.on('data', (chunk) => state.frozen || upstream.write(chunk));
    upstream.on('data', (chunk) => state.frozen || socket.write(chunk));
  });
  state.port = port;
  return state;
}
