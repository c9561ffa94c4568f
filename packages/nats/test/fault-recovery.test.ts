import { fromUtf8, StoreError, utf8 } from '@cache/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NatsStore } from '../src/index.js';
import { PrivateNatsServer } from './support/nats-server.js';

const LONG_TTL = 3_600_000;
const TIMEOUT_MS = 500;

let server: PrivateNatsServer;

beforeAll(async () => {
  server = await PrivateNatsServer.start();
});

afterAll(async () => {
  await server?.stop();
});

describe('NatsStore when its server is killed and restarted', () => {
  it('fails fast with StoreError while the server is down and works again after the restart', async () => {
    const store = new NatsStore({ servers: server.url, bucket: 'fault', prefix: 'f', timeout: TIMEOUT_MS });
    try {
      await store.set('durable', utf8('before'), LONG_TTL);
      expect(await store.increment('n', 1, LONG_TTL)).toBe(1);

      await server.kill();
      // Every operation kind fails with a typed error, each within the deadline.
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['get', () => store.get('durable')],
        ['set', () => store.set('k', utf8('v'), LONG_TTL)],
        ['add', () => store.add('k2', utf8('v'), LONG_TTL)],
        ['increment', () => store.increment('n', 1, LONG_TTL)],
        ['getMany', () => store.getMany(['a', 'b'])],
        ['deleteIfEquals', () => store.deleteIfEquals('durable', utf8('before'))],
        ['flush', () => store.flush()],
      ];
      for (const [name, call] of calls) {
        const started = Date.now();
        const error = await call().catch((caught: unknown) => caught);
        expect(error, name).toBeInstanceOf(StoreError);
        expect(Date.now() - started, `${name} took too long to fail`).toBeLessThan(TIMEOUT_MS + 500);
      }

      await server.restart();
      // The client reconnects by itself; JetStream data survived on disk.
      await vi.waitFor(async () => expect(await store.get('durable')).toBeDefined(), {
        interval: 50,
        timeout: 15_000,
      });
      expect(fromUtf8((await store.get('durable')) as Uint8Array)).toBe('before');
      expect(await store.increment('n', 1, LONG_TTL)).toBe(2);
      await store.set('after', utf8('yes'), LONG_TTL);
      expect(fromUtf8((await store.get('after')) as Uint8Array)).toBe('yes');
    } finally {
      await store.close();
    }
  }, 40_000);

  it('recreates its bucket when the server comes back without its data', async () => {
    const store = new NatsStore({
      servers: server.url,
      bucket: 'fault',
      prefix: 'wiped',
      timeout: TIMEOUT_MS,
    });
    try {
      await store.set('lost', utf8('before'), LONG_TTL);
      await server.kill();
      await server.restart({ wipe: true });
      // The first calls may fail (no stream yet); then the store looks the bucket up again and creates it.
      await vi.waitFor(() => store.set('k', utf8('after'), LONG_TTL), { interval: 50, timeout: 15_000 });
      expect(fromUtf8((await store.get('k')) as Uint8Array)).toBe('after');
      expect(await store.get('lost')).toBeUndefined();
      expect(await store.increment('n', 2, LONG_TTL)).toBe(2);
      await store.flush();
      expect(await store.get('k')).toBeUndefined();
    } finally {
      await store.close();
    }
  }, 40_000);

  it('a store created while the server is down connects once it is up', async () => {
    await server.kill();
    const store = new NatsStore({
      servers: server.url,
      bucket: 'fault',
      prefix: 'late',
      timeout: TIMEOUT_MS,
    });
    try {
      await expect(store.get('x')).rejects.toBeInstanceOf(StoreError);
      await server.restart();
      await vi.waitFor(() => store.set('x', utf8('1'), LONG_TTL), { interval: 50, timeout: 15_000 });
      expect(fromUtf8((await store.get('x')) as Uint8Array)).toBe('1');
    } finally {
      await store.close();
    }
  }, 40_000);
});
