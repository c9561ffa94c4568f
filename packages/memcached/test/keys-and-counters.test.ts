import { randomBytes } from 'node:crypto';
import { fromUtf8, InvalidKeyError, NotNumericError, utf8 } from '@cache/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemcachedStore } from '../src/index.js';
import { MemcachedProcess } from './support/memcached-process.js';
import { countWrites, openRaw, type RawMemcached } from './support/raw.js';

const HOUR = 3_600_000;

let server: MemcachedProcess;
let raw: RawMemcached;
const stores: MemcachedStore[] = [];

beforeAll(async () => {
  server = await MemcachedProcess.start();
  raw = openRaw(server.address);
});

afterAll(async () => {
  raw?.close();
  await server?.kill();
});

afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

function open(): MemcachedStore {
  const store = new MemcachedStore({
    servers: [server.address],
    prefix: `c_${randomBytes(4).toString('hex')}`,
  });
  stores.push(store);
  return store;
}

describe('MemcachedStore keys', () => {
  it('refuses keys with lone surrogates with InvalidKeyError before sending anything', async () => {
    const store = open();
    const writes = countWrites(store.client);
    const v = utf8('v');
    for (const key of ['\uD800x', 'x\uDC00', 'tail\uD83D']) {
      const calls: Record<string, () => Promise<unknown>> = {
        get: () => store.get(key),
        getMany: () => store.getMany(['fine', key]),
        set: () => store.set(key, v, HOUR),
        setMany: () =>
          store.setMany([
            { key: 'fine', value: v, ttl: HOUR },
            { key, value: v, ttl: HOUR },
          ]),
        add: () => store.add(key, v, HOUR),
        increment: () => store.increment(key, 1, HOUR),
        delete: () => store.delete(key),
        deleteMany: () => store.deleteMany(['fine', key]),
        deleteIfEquals: () => store.deleteIfEquals(key, v),
      };
      for (const [name, call] of Object.entries(calls)) {
        await expect(call(), `${name}(${JSON.stringify(key)})`).rejects.toBeInstanceOf(InvalidKeyError);
      }
    }
    writes.restore();
    // Not even the namespace generation was loaded: nothing reached the server.
    expect([...writes.counts.values()].reduce((a, b) => a + b, 0)).toBe(0);
    expect(await store.getMany(['fine'])).toEqual([undefined]);
  });
});

describe('MemcachedStore increment: one rule for numeric values', () => {
  it("refuses values memcached's own incr would take (leading zeros, -0, signs, spaces)", async () => {
    // Why the store never uses memcached's incr on data: it reads "05" as 5.
    const rawKey = `c_raw_${randomBytes(4).toString('hex')}`;
    await raw.protocol.store('set', rawKey, Buffer.from('05'), 0, 60);
    expect(await raw.protocol.increment(rawKey, 1n, 0n, 60)).toBe(6n);

    const store = open();
    for (const stored of ['05', '007', '-0', '+5', ' 5', '5 ', '1e3', '0x10', '18446744073709551615']) {
      await store.set('n', utf8(stored), HOUR);
      await expect(store.increment('n', 1, HOUR), JSON.stringify(stored)).rejects.toBeInstanceOf(
        NotNumericError,
      );
      const kept = await store.get('n');
      expect(kept && fromUtf8(kept), `${JSON.stringify(stored)} kept`).toBe(stored);
    }
    for (const [stored, next] of [
      ['0', 1],
      ['-1', 0],
      ['9007199254740990', 9007199254740991],
    ] as const) {
      await store.set('n', utf8(stored), HOUR);
      expect(await store.increment('n', 1, HOUR), stored).toBe(next);
    }
  });
});
