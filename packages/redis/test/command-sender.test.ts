import type { Socket } from 'node:net';
import { StoreError } from '@cache/core';
import type { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { bytes, openRaw, openStore, text } from './support.js';

/** Counts the socket writes (a `writev` of corked writes counts once) of a ready client. */
async function countWrites(client: Redis): Promise<{ writes: () => number }> {
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
  const socket = client.stream as Socket & { _writev?: unknown; _write: unknown };
  let writes = 0;
  for (const method of ['_write', '_writev'] as const) {
    const original = socket[method] as ((...args: unknown[]) => unknown) | undefined;
    if (original === undefined) continue;
    vi.spyOn(socket, method as '_write').mockImplementation(function (this: Socket, ...args: unknown[]) {
      writes++;
      return original.apply(this, args);
    } as never);
  }
  return { writes: () => writes };
}

describe('RedisStore command sending (standalone client)', () => {
  it('sends the commands of one tick in two socket writes: the first at once, the rest together', async () => {
    const store = openStore();
    await store.set('warm', bytes('up'), 60_000);
    const socket = await countWrites(store.client as Redis);
    const keys = Array.from({ length: 200 }, (_, i) => `k${i}`);
    const sets = Promise.all(keys.map((key) => store.set(key, bytes(key), 60_000)));
    // Both writes are out within the tick (ioredis' auto-pipeline would wait for setImmediate).
    await new Promise((resolve) => process.nextTick(resolve));
    expect(socket.writes()).toBe(2);
    await sets;
    expect(socket.writes()).toBe(2);
    const values = await Promise.all(keys.map((key) => store.get(key)));
    expect(values.map(text)).toEqual(keys);
    expect(socket.writes()).toBe(4);
  });

  it('writes a lone command in the same tick, before any I/O callback runs', async () => {
    const store = openStore();
    await store.get('warm');
    const socket = await countWrites(store.client as Redis);
    const pending = store.get('alone');
    let writtenBeforeImmediate = -1;
    setImmediate(() => {
      writtenBeforeImmediate = socket.writes();
    });
    expect(await pending).toBeUndefined();
    expect(writtenBeforeImmediate).toBe(1);
  });

  it('keeps the order of one store’s commands', async () => {
    const store = openStore();
    const writes = Array.from({ length: 100 }, (_, i) => store.set('ordered', bytes(String(i)), 60_000));
    const read = store.get('ordered');
    await Promise.all(writes);
    expect(text(await read)).toBe('99');
  });

  it('corks an injected client too, and leaves its own commands working in between', async () => {
    const client = openRaw();
    const store = openStore({ client });
    await client.set(`${store.prefix}:shared`, 'raw');
    const [mine, theirs] = await Promise.all([store.get('shared'), client.get(`${store.prefix}:shared`)]);
    expect(text(mine)).toBe('raw');
    expect(theirs).toBe('raw');
  });

  it('maps a server error reply to StoreError and keeps serving', async () => {
    // (A missing reply becomes CacheTimeoutError: integration/test/fault-redis.test.ts freezes a server of its own.)
    const store = openStore();
    const raw = openRaw();
    await store.set('k', bytes('v'), 60_000);
    await raw.lpush(`${store.prefix}:list`, 'x');
    const error = await store.get('list').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect(String((error as StoreError).cause)).toContain('WRONGTYPE');
    expect(text(await store.get('k'))).toBe('v');
  });
});
