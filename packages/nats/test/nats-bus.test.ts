import { type BusMessage, ConfigError, CorruptPayloadError, StoreClosedError, StoreError } from '@cache/core';
import { runBusContract, BusRecorder as Recorder } from '@cache/contract';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SUBJECT_PREFIX, NatsBus, type NatsBusOptions } from '../src/index.js';
import { freePort, PrivateNatsServer } from './support/nats-server.js';

const WAIT = { interval: 10, timeout: 10_000 };

// A server of our own: the disconnect checks kill and restart it (never the shared 4222).
let server: PrivateNatsServer;
const cleanup: (() => Promise<unknown>)[] = [];
beforeAll(async () => {
  server = await PrivateNatsServer.start();
}, 20_000);
afterAll(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => {});
  await server?.stop();
});

/** Kills the private server (every connection to it drops) and starts it again on the same port. */
async function restartServer(): Promise<void> {
  await server.kill();
  await server.restart();
}

function openBus(options: Partial<NatsBusOptions> = {}): NatsBus {
  const bus = new NatsBus({
    servers: server.url,
    channel: `unit-${Math.random().toString(36).slice(2)}`,
    ...options,
  });
  cleanup.push(() => bus.close());
  return bus;
}

async function openConnection(): Promise<NatsConnection> {
  const connection = await connect({ servers: server.url, reconnectTimeWait: 100, maxReconnectAttempts: -1 });
  cleanup.push(() => connection.close());
  return connection;
}

/** Subscriptions open on a nats.js connection (internal state: the public API has no count). */
function subscriptionsOf(connection: NatsConnection): number {
  return (
    connection as unknown as { protocol: { subscriptions: { size(): number } } }
  ).protocol.subscriptions.size();
}

const evict = (sequence: number, keys: string[] = ['k']): BusMessage => ({
  sender: 'unit',
  sequence,
  kind: 'evict',
  keys,
});

runBusContract({
  name: 'nats (own nats-server, connection owned by the bus)',
  create: ({ channel }) => new NatsBus({ servers: server.url, channel }),
  disconnect: restartServer,
});

// One injected connection shared by every bus of the suite; closing a bus never closes it.
let injected: NatsConnection | undefined;
runBusContract({
  name: 'nats (injected connection)',
  create: async ({ channel }) => {
    injected ??= await openConnection();
    return new NatsBus({ connection: injected, channel });
  },
  disconnect: restartServer,
});

describe('NatsBus options', () => {
  it('requires a channel of valid subject tokens, and one way to connect', () => {
    const invalid: unknown[] = [
      {},
      { channel: '' },
      { channel: 7 },
      { channel: 'a b' },
      { channel: 'a.*' },
      { channel: 'a.>' },
      { channel: 'a..b' },
      { channel: '.a' },
      { channel: 'a\tb' },
      { channel: 'a\uD800' },
      { channel: 'c', subjectPrefix: 'x.' },
      { channel: 'c', servers: [] },
      { channel: 'c', servers: 'x', connection: {} },
      { channel: 'c', timeout: 0 },
      { channel: 'c', onBackgroundError: 1 },
    ];
    for (const options of invalid) {
      expect(() => new NatsBus(options as NatsBusOptions), JSON.stringify(options)).toThrow(ConfigError);
    }
  });

  it('publishes on <subjectPrefix>.<channel>', () => {
    expect(DEFAULT_SUBJECT_PREFIX).toBe('cache.bus');
    expect(new NatsBus({ channel: 'shop' }).subject).toBe('cache.bus.shop');
    expect(new NatsBus({ channel: 'shop.eu', subjectPrefix: 'app' }).subject).toBe('app.shop.eu');
    expect(new NatsBus({ channel: 'shop:v2-ü' }).subject).toBe('cache.bus.shop:v2-ü');
  });
});

describe('NatsBus', () => {
  it('ignores payloads that are not bus messages and reports them, never crashing', async () => {
    const errors: unknown[] = [];
    const receiver = openBus({ onBackgroundError: (error) => errors.push(error) });
    const recorder = new Recorder();
    await receiver.subscribe(recorder);
    const raw = await openConnection();
    raw.publish(receiver.subject, new Uint8Array([0xff, 0, 0x13]));
    raw.publish(receiver.subject, new TextEncoder().encode('hello from someone else'));
    await raw.flush();
    const sender = openBus({ channel: receiver.subject.slice(`${DEFAULT_SUBJECT_PREFIX}.`.length) });
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

  it('close() only unsubscribes from an injected connection, which stays usable', async () => {
    const connection = await openConnection();
    const bus = new NatsBus({ connection, channel: 'injected-close' });
    const recorder = new Recorder();
    await bus.subscribe(recorder);
    await bus.publish(evict(1));
    await vi.waitFor(() => expect(recorder.messages).toHaveLength(1), WAIT);
    expect(subscriptionsOf(connection)).toBe(1);
    await bus.close();
    await bus.close();
    expect(connection.isClosed()).toBe(false);
    expect(subscriptionsOf(connection), 'the bus unsubscribed').toBe(0);
    await connection.flush();
    await expect(bus.publish(evict(3))).rejects.toBeInstanceOf(StoreClosedError);
    await expect(bus.subscribe(new Recorder())).rejects.toBeInstanceOf(StoreClosedError);
  });

  it('close() drains a connection the bus created', async () => {
    const bus = openBus();
    await bus.subscribe(new Recorder());
    await bus.publish(evict(1));
    await bus.close();
    await expect(bus.publish(evict(2))).rejects.toBeInstanceOf(StoreClosedError);
  });

  it('publish rejects with a StoreError at once while disconnected, and works again after', async () => {
    const bus = openBus();
    const recorder = new Recorder();
    await bus.subscribe(recorder);
    await server.kill();
    try {
      await vi.waitFor(() => expect(recorder.lostCount).toBe(1), WAIT);
      const started = performance.now();
      await expect(bus.publish(evict(1))).rejects.toBeInstanceOf(StoreError);
      expect(performance.now() - started).toBeLessThan(100);
    } finally {
      await server.restart();
    }
    await vi.waitFor(() => expect(recorder.restoredCount).toBe(1), WAIT);
    await bus.publish(evict(2, ['after']));
    await vi.waitFor(() => expect(recorder.messages.map((m) => m.keys[0])).toEqual(['after']), WAIT);
  });

  it('publish and subscribe reject with a StoreError when no server answers', async () => {
    const bus = openBus({ servers: `127.0.0.1:${await freePort()}`, timeout: 300 });
    await expect(bus.publish(evict(1))).rejects.toBeInstanceOf(StoreError);
    await expect(bus.subscribe(new Recorder())).rejects.toBeInstanceOf(StoreError);
  });

  it('rejects with the signal reason once aborted', async () => {
    const bus = openBus();
    const controller = new AbortController();
    controller.abort(new Error('caller gave up'));
    await expect(bus.publish(evict(1), { signal: controller.signal })).rejects.toThrow('caller gave up');
  });
});
