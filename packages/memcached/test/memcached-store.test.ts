import { randomBytes } from 'node:crypto';
import {
  CorruptPayloadError,
  fromUtf8,
  InvalidValueError,
  NO_EXPIRY,
  NotNumericError,
  utf8,
  ValueTooLargeError,
} from '@cache/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BinaryProtocol, Item } from '../src/binary-protocol.js';
import { ENVELOPE_ITEM_FLAGS } from '../src/envelope.js';
import { MemcachedStore, type MemcachedStoreOptions } from '../src/index.js';
import { MemcachedProcess } from './support/memcached-process.js';
import { countWrites, openRaw, type RawMemcached } from './support/raw.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

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

function uniquePrefix(): string {
  return `t_${randomBytes(4).toString('hex')}`;
}

function open(options: Partial<MemcachedStoreOptions> = {}): MemcachedStore {
  const store = new MemcachedStore({ servers: [server.address], prefix: uniquePrefix(), ...options });
  stores.push(store);
  return store;
}

/** The store's protocol object, to slip a competing write between its read and its write. */
function protocolOf(store: MemcachedStore): BinaryProtocol {
  return (store as unknown as { protocol: BinaryProtocol }).protocol;
}

/** Runs `competitor` once, right after the store's next GET of a data key returned. */
function afterNextDataRead(store: MemcachedStore, competitor: () => Promise<void>): void {
  const protocol = protocolOf(store);
  const original = protocol.get.bind(protocol);
  let done = false;
  vi.spyOn(protocol, 'get').mockImplementation(async (key: string): Promise<Item | undefined> => {
    const item = await original(key);
    if (!done && !key.endsWith(':__ns')) {
      done = true;
      await competitor();
    }
    return item;
  });
}

const text = (value: string): Uint8Array => utf8(value);
const read = async (store: MemcachedStore, key: string): Promise<string | undefined> => {
  const value = await store.get(key);
  return value && fromUtf8(value);
};

describe('MemcachedStore: values', () => {
  it('round-trips binary values, including every byte value and the empty value', async () => {
    const store = open();
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    await store.set('all', all, HOUR);
    await store.set('empty', new Uint8Array(0), NO_EXPIRY);
    expect(await store.get('all')).toEqual(all);
    expect(await store.get('empty')).toEqual(new Uint8Array(0));
    expect(await store.get('missing')).toBeUndefined();
  });

  it('sends a get and its generation check in one socket write', async () => {
    const store = open();
    await store.set('k', text('v'), HOUR);
    const writes = countWrites(store.client);
    try {
      expect(await read(store, 'k')).toBe('v');
    } finally {
      writes.restore();
    }
    expect([...writes.counts.values()]).toEqual([1]);
  });

  it('returns plain Uint8Array copies that share nothing with the store or each other', async () => {
    const store = open();
    const source = Uint8Array.of(1, 2, 3);
    await store.set('k', source, HOUR);
    source[0] = 9;
    const first = (await store.get('k')) as Uint8Array;
    expect(Object.getPrototypeOf(first)).toBe(Uint8Array.prototype);
    first[1] = 9;
    expect(await store.get('k')).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('maps long, unicode, spaced and control-character keys losslessly', async () => {
    const store = open();
    const keys = [
      'plain',
      'with space',
      'tab\tand\nnewline',
      'ключ 🔑',
      'k'.repeat(1024),
      `${'k'.repeat(1023)}x`,
    ];
    await Promise.all(keys.map((key, i) => store.set(key, text(`v${i}`), HOUR)));
    expect(await Promise.all(keys.map((key) => read(store, key)))).toEqual(keys.map((_, i) => `v${i}`));
    // Every wire key is a legal memcached key.
    for (const key of keys) expect((await raw.wireKey(store.prefix, key)).length).toBeLessThanOrEqual(250);
  });

  it('never returns another key\u2019s value, even under the same hashed wire key', async () => {
    const store = open();
    await store.set('owner key', text('owner'), HOUR);
    // Simulate a hash collision: copy the item of "owner key" to the wire key of "victim key".
    const item = (await raw.protocol.get(await raw.wireKey(store.prefix, 'owner key'))) as Item;
    await raw.protocol.store('set', await raw.wireKey(store.prefix, 'victim key'), item.value, item.flags, 0);
    expect(await store.get('victim key')).toBeUndefined();
    expect(await store.getMany(['victim key', 'owner key'])).toEqual([undefined, text('owner')]);
    expect(await store.add('victim key', text('mine'), HOUR)).toBe(true);
    expect(await read(store, 'victim key')).toBe('mine');
  });

  it('rejects an item some other client wrote under its key with CorruptPayloadError', async () => {
    const store = open();
    await store.set('k', text('v'), HOUR);
    await raw.client.set(await raw.wireKey(store.prefix, 'k'), 'foreign');
    await expect(store.get('k')).rejects.toBeInstanceOf(CorruptPayloadError);
  });

  it('rejects values over maxValueBytes with ValueTooLargeError before any network call', async () => {
    const offline = new MemcachedStore({ servers: ['127.0.0.1:1'], prefix: uniquePrefix() });
    stores.push(offline);
    const limit = offline.capabilities.maxValueBytes as number;
    expect(limit).toBe(1024 * 1024 - 16 * 1024);
    const big = new Uint8Array(limit + 1);
    await expect(offline.set('k', big, HOUR)).rejects.toBeInstanceOf(ValueTooLargeError);
    await expect(offline.add('k', big, HOUR)).rejects.toBeInstanceOf(ValueTooLargeError);
    await expect(offline.setMany([{ key: 'k', value: big, ttl: HOUR }])).rejects.toBeInstanceOf(
      ValueTooLargeError,
    );
  });

  it('stores a value of exactly maxValueBytes under a 1 KiB key on a default (-I 1m) server', async () => {
    const store = open();
    const value = randomBytes(store.capabilities.maxValueBytes as number);
    const key = 'x'.repeat(1024);
    await store.set(key, value, HOUR);
    expect(Buffer.from((await store.get(key)) as Uint8Array).equals(value)).toBe(true);
  });

  it('declares its capabilities', () => {
    expect(open().capabilities).toEqual({
      shared: true,
      durable: false,
      ttlResolutionMs: 1,
      maxValueBytes: 1_032_192,
    });
  });
});

describe('MemcachedStore: expiry', () => {
  it('hides an entry at its exact millisecond expiry while memcached still holds it', async () => {
    const store = open();
    const writtenAt = Date.now();
    await store.set('short', text('v'), 150);
    const wire = await raw.wireKey(store.prefix, 'short');
    const goneAt = await vi.waitFor(
      async () => {
        if ((await store.get('short')) !== undefined) throw new Error('still there');
        return Date.now() - writtenAt;
      },
      { interval: 5, timeout: 3000 },
    );
    expect(goneAt).toBeGreaterThanOrEqual(150);
    // Millisecond precision, not memcached's second: gone well before one second.
    expect(goneAt).toBeLessThan(600);
    // memcached itself keeps it for at least ttl rounded up plus one second.
    expect(await raw.protocol.get(wire)).toBeDefined();
  });

  it('getMany treats expired entries as misses', async () => {
    const store = open();
    await store.set('short', text('s'), 100);
    await store.set('long', text('l'), HOUR);
    await vi.waitFor(
      async () => {
        expect(await store.getMany(['short', 'long'])).toEqual([undefined, text('l')]);
      },
      { interval: 10, timeout: 3000 },
    );
  });

  it('keeps entries with TTLs past the 30-day relative limit and past the year 2106', async () => {
    const store = open();
    await store.set('month', text('m'), 31 * DAY);
    await store.set('year', text('y'), 365 * DAY);
    await store.set('century', text('c'), 100 * 365 * DAY);
    expect(await store.getMany(['month', 'year', 'century'])).toEqual([text('m'), text('y'), text('c')]);
  });

  it('a later set without TTL makes the entry permanent', async () => {
    const store = open();
    await store.set('k', text('a'), 100);
    await store.set('k', text('b'), NO_EXPIRY);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await read(store, 'k')).toBe('b');
  });
});

describe('MemcachedStore: add', () => {
  it('writes only when absent', async () => {
    const store = open();
    expect(await store.add('k', text('first'), HOUR)).toBe(true);
    expect(await store.add('k', text('second'), HOUR)).toBe(false);
    expect(await read(store, 'k')).toBe('first');
  });

  it('treats an entry past its exact expiry as absent although memcached still holds it', async () => {
    const store = open();
    await store.set('k', text('old'), 100);
    const wire = await raw.wireKey(store.prefix, 'k');
    await vi.waitFor(async () => expect(await store.get('k')).toBeUndefined(), {
      interval: 10,
      timeout: 3000,
    });
    expect(await raw.protocol.get(wire), 'memcached still holds the item').toBeDefined();
    expect(await store.add('k', text('new'), HOUR)).toBe(true);
    expect(await read(store, 'k')).toBe('new');
  });

  it('has exactly one winner among 100 concurrent adds from two clients', async () => {
    const prefix = uniquePrefix();
    const a = open({ prefix });
    const b = open({ prefix });
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? a : b).add('lock', text(`owner-${i}`), HOUR)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await read(a, 'lock')).toBe(`owner-${results.indexOf(true)}`);
  });

  it('does not overwrite a value written between its read of an expired entry and its CAS write', async () => {
    const prefix = uniquePrefix();
    const store = open({ prefix });
    const other = open({ prefix });
    await store.set('k', text('old'), 50);
    await vi.waitFor(async () => expect(await store.get('k')).toBeUndefined(), {
      interval: 10,
      timeout: 3000,
    });
    afterNextDataRead(store, () => other.set('k', text('theirs'), HOUR));
    expect(await store.add('k', text('mine'), HOUR)).toBe(false);
    expect(await read(store, 'k')).toBe('theirs');
  });
});

describe('MemcachedStore: increment', () => {
  it('starts at 0, takes signed deltas and goes below zero (memcached decr would clamp at 0)', async () => {
    const store = open();
    expect(await store.increment('n', 5, HOUR)).toBe(5);
    expect(await store.increment('n', -8, HOUR)).toBe(-3);
    expect(await store.increment('m', -7, HOUR)).toBe(-7);
    expect(await read(store, 'n')).toBe('-3');
    expect(await store.increment('big', 2 ** 52, HOUR)).toBe(2 ** 52);
    await expect(store.increment('big', 2 ** 52, HOUR)).rejects.toBeInstanceOf(NotNumericError);
    expect(await store.increment('big', 1, HOUR)).toBe(2 ** 52 + 1);
  });

  it('rejects non-numeric values with NotNumericError and keeps them', async () => {
    const store = open();
    await store.set('word', text('abc'), HOUR);
    await expect(store.increment('word', 1, HOUR)).rejects.toBeInstanceOf(NotNumericError);
    expect(await read(store, 'word')).toBe('abc');
    await expect(store.increment('word', 1.5, HOUR)).rejects.toBeInstanceOf(InvalidValueError);
  });

  it('sums 200 concurrent increments from one client exactly, each caller seeing a distinct value', async () => {
    const store = open();
    const results = await Promise.all(Array.from({ length: 200 }, () => store.increment('hits', 1, HOUR)));
    expect([...results].sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(await read(store, 'hits')).toBe('200');
  });

  it('loses no update across four clients racing through CAS (4 × 250, mixed signs)', async () => {
    const prefix = uniquePrefix();
    const clients = Array.from({ length: 4 }, () => open({ prefix }));
    const results = await Promise.all(
      clients.flatMap((client, c) =>
        Array.from({ length: 250 }, (_, i) =>
          client.increment('shared', c === 3 && i % 2 === 0 ? -1 : 2, HOUR),
        ),
      ),
    );
    // 875 calls of +2 and 125 calls of -1.
    expect(await read(clients[0] as MemcachedStore, 'shared')).toBe(String(875 * 2 - 125));
    expect(new Set(results).size).toBeGreaterThan(1);
  });

  it('does not lose an increment that lands between its read and its CAS write', async () => {
    const prefix = uniquePrefix();
    const store = open({ prefix });
    const other = open({ prefix });
    await store.set('n', text('10'), HOUR);
    afterNextDataRead(store, async () => {
      await other.increment('n', 100, HOUR);
    });
    expect(await store.increment('n', 1, HOUR)).toBe(111);
    expect(await read(store, 'n')).toBe('111');
  });

  it('refreshes the TTL on every call, and an expired counter starts again from 0', async () => {
    const store = open();
    await store.increment('c', 1, NO_EXPIRY);
    await store.increment('c', 1, 100);
    const wire = await raw.wireKey(store.prefix, 'c');
    await vi.waitFor(async () => expect(await store.get('c')).toBeUndefined(), {
      interval: 10,
      timeout: 3000,
    });
    expect(await raw.protocol.get(wire), 'memcached still holds the counter').toBeDefined();
    expect(await store.increment('c', 1, HOUR)).toBe(1);
    await store.increment('kept', 1, 100);
    await store.increment('kept', 1, NO_EXPIRY);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await read(store, 'kept')).toBe('2');
  });
});

describe('MemcachedStore: deleteIfEquals', () => {
  it('deletes only on an exact byte match', async () => {
    const store = open();
    await store.set('lock', text('token-a'), HOUR);
    expect(await store.deleteIfEquals('lock', text('token-b'))).toBe(false);
    expect(await read(store, 'lock')).toBe('token-a');
    expect(await store.deleteIfEquals('lock', text('token-a'))).toBe(true);
    expect(await store.get('lock')).toBeUndefined();
    expect(await store.deleteIfEquals('lock', text('token-a'))).toBe(false);
  });

  it('never deletes a newer value written between its compare and its delete', async () => {
    const prefix = uniquePrefix();
    const store = open({ prefix });
    const other = open({ prefix });
    await store.set('lock', text('mine'), HOUR);
    afterNextDataRead(store, () => other.set('lock', text('theirs'), HOUR));
    expect(await store.deleteIfEquals('lock', text('mine'))).toBe(false);
    expect(await read(store, 'lock')).toBe('theirs');
  });

  it('does not delete an expired entry that still has the expected bytes', async () => {
    const store = open();
    await store.set('lock', text('mine'), 50);
    await vi.waitFor(async () => expect(await store.get('lock')).toBeUndefined(), {
      interval: 10,
      timeout: 3000,
    });
    expect(await store.deleteIfEquals('lock', text('mine'))).toBe(false);
  });
});

describe('MemcachedStore: batches', () => {
  it('getMany keeps order, repeats and partial misses', async () => {
    const store = open();
    await store.setMany([
      { key: 'a', value: text('A'), ttl: HOUR },
      { key: 'b c', value: text('BC'), ttl: NO_EXPIRY },
    ]);
    expect(await store.getMany(['a', 'missing', 'b c', 'a'])).toEqual([
      text('A'),
      undefined,
      text('BC'),
      text('A'),
    ]);
    expect(await store.getMany([])).toEqual([]);
    await store.deleteMany(['a', 'b c', 'never']);
    expect(await store.getMany(['a', 'b c'])).toEqual([undefined, undefined]);
  });

  it('getMany of 100 keys is one socket write, generation check included', async () => {
    const store = open();
    const keys = Array.from({ length: 100 }, (_, i) => `key-${i}`);
    await store.setMany(keys.map((key) => ({ key, value: text(key), ttl: HOUR })));
    await store.get('warm-up');
    const writes = countWrites(store.client);
    try {
      const values = await store.getMany(keys);
      expect(values.map((v) => v && fromUtf8(v))).toEqual(keys);
    } finally {
      writes.restore();
    }
    expect([...writes.counts.values()]).toEqual([1]);
  });
});

describe('MemcachedStore: flush', () => {
  it('removes this prefix only: other prefixes and foreign keys survive, no flush_all', async () => {
    const store = open();
    const neighbour = open();
    await raw.client.set(`${store.prefix}-foreign`, 'untouched');
    await store.set('k', text('mine'), HOUR);
    await store.increment('n', 3, HOUR);
    await neighbour.set('k', text('theirs'), HOUR);
    await store.flush();
    expect(await store.getMany(['k', 'n'])).toEqual([undefined, undefined]);
    expect(await read(neighbour, 'k')).toBe('theirs');
    expect((await raw.client.get(`${store.prefix}-foreign`)).value?.toString()).toBe('untouched');
    // The store works normally after a flush.
    await store.set('k', text('again'), HOUR);
    expect(await read(store, 'k')).toBe('again');
    expect(await store.increment('n', 1, HOUR)).toBe(1);
  });

  it('is visible at once to another client of the same prefix that already cached the old generation', async () => {
    const prefix = uniquePrefix();
    const a = open({ prefix });
    const b = open({ prefix });
    await a.set('k', text('v'), HOUR);
    expect(await read(b, 'k')).toBe('v');
    await a.flush();
    expect(await b.get('k')).toBeUndefined();
    expect(await b.add('k', text('after'), HOUR)).toBe(true);
    expect(await b.increment('n', 1, HOUR)).toBe(1);
    await b.set('x', text('x'), HOUR);
    await a.flush();
    expect(await b.getMany(['k', 'x'])).toEqual([undefined, undefined]);
  });

  it('recovers when the generation key disappears (eviction, restart) without resurrecting old data', async () => {
    const store = open();
    await store.set('k', text('v'), HOUR);
    await raw.client.delete(`${store.prefix}:__ns`);
    expect(await store.get('k')).toBeUndefined();
    await store.set('k', text('w'), HOUR);
    expect(await read(store, 'k')).toBe('w');
  });
});

describe('MemcachedStore: items', () => {
  it('writes items with its envelope flags', async () => {
    const store = open();
    await store.set('k', text('v'), HOUR);
    const item = await raw.protocol.get(await raw.wireKey(store.prefix, 'k'));
    expect(item?.flags).toBe(ENVELOPE_ITEM_FLAGS);
  });
});
