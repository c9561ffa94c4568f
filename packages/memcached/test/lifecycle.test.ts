import { randomBytes } from 'node:crypto';
import { StoreClosedError, utf8 } from '@cache/core';
import memjs from 'memjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemcachedStore, type MemcachedStoreOptions } from '../src/index.js';
import { MemcachedProcess } from './support/memcached-process.js';
import { countWrites } from './support/raw.js';

const HOUR = 3_600_000;

// A server of this file's own: the tests freeze it with SIGSTOP.
let server: MemcachedProcess;

beforeAll(async () => {
  server = await MemcachedProcess.start();
});

afterAll(async () => {
  await server?.kill();
});

function open(options: Partial<MemcachedStoreOptions> = {}): MemcachedStore {
  return new MemcachedStore({
    servers: [server.address],
    prefix: `l_${randomBytes(4).toString('hex')}`,
    timeout: 5_000,
    ...options,
  });
}

/** Starts a mix of calls and records, in order, when each settled and how. */
function startCalls(store: MemcachedStore, events: string[]): Promise<unknown>[] {
  return Array.from({ length: 30 }, (_, i) => {
    const call =
      i % 3 === 0
        ? store.set(`k${i}`, utf8(`v${i}`), HOUR)
        : i % 3 === 1
          ? store.get('seed')
          : store.increment('n', 1, HOUR);
    return call.then(
      (value) => {
        events.push('fulfilled');
        return value;
      },
      (error: unknown) => {
        events.push(`rejected: ${String(error)}`);
        throw error;
      },
    );
  });
}

describe('MemcachedStore close', () => {
  it('waits for calls in flight on a hung server, then closes the client it created', {
    timeout: 15_000,
  }, async () => {
    const store = open();
    await store.set('seed', utf8('s'), HOUR);
    const events: string[] = [];
    const realClose = store.client.close.bind(store.client);
    const closeClient = vi.spyOn(store.client, 'close').mockImplementation(() => {
      events.push('client closed');
      realClose();
    });
    await server.pause();
    let calls: Promise<unknown>[];
    let closing: Promise<void>;
    try {
      calls = startCalls(store, events);
      closing = store.close();
      closing.then(() => events.push('close resolved'));
      // A call after close() is refused at once, while earlier ones are still in flight.
      await expect(store.get('seed')).rejects.toBeInstanceOf(StoreClosedError);
      await expect(store.increment('n', 1, HOUR)).rejects.toBeInstanceOf(StoreClosedError);
      expect(events, 'nothing settled or closed while the server hangs').toEqual([]);
    } finally {
      server.resume();
    }
    await closing;
    // Every call completed normally against the resumed server; only then was the client closed.
    expect(events).toEqual([...Array(30).fill('fulfilled'), 'client closed', 'close resolved']);
    const results = await Promise.all(calls);
    const counts = results.filter((_, i) => i % 3 === 2) as number[];
    expect(counts.sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(closeClient).toHaveBeenCalledTimes(1);
    await expect(store.close(), 'close again').resolves.toBeUndefined();
    expect(closeClient).toHaveBeenCalledTimes(1);
  });

  it('never closes an injected client, even with calls in flight', async () => {
    const client = memjs.Client.create(server.address, { logger: { log() {} } });
    try {
      const store = new MemcachedStore({ client, prefix: `l_${randomBytes(4).toString('hex')}` });
      const closeClient = vi.spyOn(client, 'close');
      await store.set('seed', utf8('s'), HOUR);
      const events: string[] = [];
      const calls = startCalls(store, events);
      await store.close();
      expect(events).toEqual(Array(30).fill('fulfilled'));
      await Promise.all(calls);
      expect(closeClient).not.toHaveBeenCalled();
      await client.set('still-open', 'yes');
      expect((await client.get('still-open')).value?.toString()).toBe('yes');
      // Another store on the same client and prefix still reads what the closed one wrote.
      const again = new MemcachedStore({ client, prefix: store.prefix });
      expect(await again.get('k0')).toEqual(utf8('v0'));
      await again.close();
      expect(closeClient).not.toHaveBeenCalled();
    } finally {
      client.close();
    }
  });

  it('rejects every kind of call after close with StoreClosedError, sending nothing', async () => {
    const client = memjs.Client.create(server.address, { logger: { log() {} } });
    const store = open({ client });
    await store.set('k', utf8('v'), HOUR);
    await store.close();
    const writes = countWrites(client);
    const calls: Record<string, () => Promise<unknown>> = {
      get: () => store.get('k'),
      getMany: () => store.getMany(['k']),
      set: () => store.set('k', utf8('v'), HOUR),
      setMany: () => store.setMany([{ key: 'k', value: utf8('v'), ttl: HOUR }]),
      add: () => store.add('k', utf8('v'), HOUR),
      increment: () => store.increment('k', 1, HOUR),
      delete: () => store.delete('k'),
      deleteMany: () => store.deleteMany(['k']),
      deleteIfEquals: () => store.deleteIfEquals('k', utf8('v')),
      flush: () => store.flush(),
    };
    for (const [name, call] of Object.entries(calls)) {
      await expect(call(), name).rejects.toBeInstanceOf(StoreClosedError);
    }
    writes.restore();
    client.close();
    expect(
      [...writes.counts.values()].reduce((a, b) => a + b, 0),
      'writes after close',
    ).toBe(0);
  });

  it('honours an already aborted signal without touching the server', async () => {
    const store = open();
    try {
      const controller = new AbortController();
      controller.abort(new Error('stop'));
      const writes = countWrites(store.client);
      await expect(store.get('k', { signal: controller.signal })).rejects.toThrow('stop');
      await expect(store.increment('k', 1, HOUR, { signal: controller.signal })).rejects.toThrow('stop');
      writes.restore();
      expect([...writes.counts.values()].reduce((a, b) => a + b, 0)).toBe(0);
    } finally {
      await store.close();
    }
  });
});
