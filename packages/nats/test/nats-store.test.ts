import { randomBytes } from 'node:crypto';
import {
  ConflictError,
  fromUtf8,
  NO_EXPIRY,
  StoreClosedError,
  StoreError,
  utf8,
  ValueTooLargeError,
} from '@cache/core';
import { connect, type NatsConnection } from 'nats';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { encodeEnvelope } from '../src/envelope.js';
import { NatsStore, type NatsStoreOptions } from '../src/index.js';
import { freePort, SHARED_NATS_URL } from './support/nats-server.js';

const BUCKET = 'cache_nats_pkg_test';
const LONG_TTL = 3_600_000;

let raw: NatsConnection;
const opened: NatsStore[] = [];

function prefix(): string {
  return `nt_${randomBytes(5).toString('hex')}`;
}

function open(options: Partial<NatsStoreOptions> = {}): NatsStore {
  const store = new NatsStore({ servers: SHARED_NATS_URL, bucket: BUCKET, prefix: prefix(), ...options });
  opened.push(store);
  return store;
}

beforeAll(async () => {
  raw = await connect({ servers: SHARED_NATS_URL });
});

afterEach(async () => {
  for (const store of opened.splice(0)) {
    await store.flush().catch(() => undefined);
    await store.close();
  }
});

afterAll(async () => {
  await raw.close();
});

async function rawKv() {
  return raw.jetstream().views.kv(BUCKET, { bindOnly: true });
}

describe('NatsStore on the shared JetStream server', () => {
  it('round trips values, misses, overwrites and deletes', async () => {
    const store = open();
    expect(await store.get('missing')).toBeUndefined();
    await store.set('a', utf8('one'), LONG_TTL);
    await store.set('a', utf8('two'), NO_EXPIRY);
    expect(fromUtf8((await store.get('a')) as Uint8Array)).toBe('two');
    await store.delete('a');
    await store.delete('a');
    expect(await store.get('a')).toBeUndefined();
  });

  it('deletes an expired entry it reads, revision-checked, in the background', async () => {
    const store = open();
    await store.set('short', utf8('x'), 30);
    const kv = await rawKv();
    await vi.waitFor(async () => expect(await store.get('short')).toBeUndefined(), {
      interval: 10,
      timeout: 2000,
    });
    await vi.waitFor(async () => expect((await kv.get(store.kvKeyFor('short')))?.operation).toBe('DEL'), {
      interval: 10,
      timeout: 2000,
    });
  });

  it('add writes over a deleted key and over an expired entry, not over a live one', async () => {
    const store = open();
    expect(await store.add('k', utf8('first'), LONG_TTL)).toBe(true);
    expect(await store.add('k', utf8('second'), LONG_TTL)).toBe(false);
    await store.delete('k');
    expect(await store.add('k', utf8('after-delete'), 40)).toBe(true);
    await vi.waitFor(async () => expect(await store.get('k')).toBeUndefined(), {
      interval: 10,
      timeout: 2000,
    });
    expect(await store.add('k', utf8('after-expiry'), LONG_TTL)).toBe(true);
    expect(fromUtf8((await store.get('k')) as Uint8Array)).toBe('after-expiry');
  });

  it('concurrent adds from separate clients: exactly one wins', async () => {
    const p = prefix();
    const stores = Array.from({ length: 6 }, () => open({ prefix: p }));
    const results = await Promise.all(stores.map((s, i) => s.add('lock', utf8(`owner-${i}`), LONG_TTL)));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect(fromUtf8((await stores[0]?.get('lock')) as Uint8Array)).toBe(`owner-${winner}`);
  });

  it('increments atomically across separate clients on one prefix', async () => {
    const p = prefix();
    const stores = Array.from({ length: 4 }, () => open({ prefix: p }));
    await Promise.all(
      stores.map(async (s) => Promise.all(Array.from({ length: 25 }, () => s.increment('n', 1, LONG_TTL)))),
    );
    expect(fromUtf8((await stores[0]?.get('n')) as Uint8Array)).toBe('100');
  });

  it('fails a lost race with ConflictError once retries run out, and never loses an update', async () => {
    const p = prefix();
    const stores = Array.from({ length: 8 }, () => open({ prefix: p, maxConflictRetries: 1 }));
    let conflicts = 0;
    let successes = 0;
    // Eight clients with one retry each: a round without any conflict is possible but
    // rare, so race until one shows up.
    for (let round = 0; round < 20 && conflicts === 0; round++) {
      const results = await Promise.allSettled(stores.map((s) => s.increment('hot', 1, LONG_TTL)));
      for (const result of results) {
        if (result.status === 'fulfilled') successes++;
        else {
          expect(result.reason).toBeInstanceOf(ConflictError);
          conflicts++;
        }
      }
    }
    expect(conflicts).toBeGreaterThan(0);
    expect(Number(fromUtf8((await stores[0]?.get('hot')) as Uint8Array))).toBe(successes);
  });

  it('deleteIfEquals deletes only the expected bytes', async () => {
    const store = open();
    await store.set('lock', utf8('token-a'), LONG_TTL);
    expect(await store.deleteIfEquals('lock', utf8('token-b'))).toBe(false);
    expect(await store.get('lock')).toBeDefined();
    expect(await store.deleteIfEquals('lock', utf8('token-a'))).toBe(true);
    expect(await store.deleteIfEquals('lock', utf8('token-a'))).toBe(false);
    expect(await store.get('lock')).toBeUndefined();
  });

  it('flush purges this prefix (values and delete markers) and leaves a neighbour prefix intact', async () => {
    const store = open();
    const neighbour = open();
    await store.setMany([
      { key: 'a', value: utf8('1'), ttl: LONG_TTL },
      { key: 'b', value: utf8('2'), ttl: NO_EXPIRY },
    ]);
    await store.delete('b');
    await neighbour.set('a', utf8('n'), LONG_TTL);
    await store.flush();
    expect(await store.getMany(['a', 'b'])).toEqual([undefined, undefined]);
    const kv = await rawKv();
    expect(await kv.get(store.kvKeyFor('b'))).toBeNull();
    expect(fromUtf8((await neighbour.get('a')) as Uint8Array)).toBe('n');
  });

  it('a hashed long key verifies the original key stored in the envelope', async () => {
    const store = open();
    const long = 'L'.repeat(2000);
    await store.set(long, utf8('mine'), LONG_TTL);
    expect(store.kvKeyFor(long).split('.')[1]?.startsWith('h')).toBe(true);
    expect(fromUtf8((await store.get(long)) as Uint8Array)).toBe('mine');
    // Simulate a hash collision: another key's envelope under the same KV key.
    const kv = await rawKv();
    await kv.put(store.kvKeyFor(long), encodeEnvelope(utf8('theirs'), NO_EXPIRY, utf8('some other key')));
    expect(await store.get(long)).toBeUndefined();
    expect(await store.add(long, utf8('mine again'), LONG_TTL)).toBe(true);
    expect(fromUtf8((await store.get(long)) as Uint8Array)).toBe('mine again');
  });

  it('reports foreign bytes under its keys as CorruptPayloadError', async () => {
    const store = open();
    const kv = await rawKv();
    await kv.put(store.kvKeyFor('foreign'), utf8('not an envelope'));
    await expect(store.get('foreign')).rejects.toMatchObject({ code: 'CACHE_CORRUPT_PAYLOAD' });
  });

  it('closes the connection it created, leaves an injected one open, and refuses calls after close', async () => {
    const injected = await connect({ servers: SHARED_NATS_URL });
    const store = new NatsStore({ connection: injected, bucket: BUCKET, prefix: prefix() });
    await store.set('x', utf8('1'), LONG_TTL);
    await store.flush();
    await store.close();
    await store.close();
    expect(injected.isClosed()).toBe(false);
    await expect(store.get('x')).rejects.toBeInstanceOf(StoreClosedError);
    await injected.close();
  });

  it('rejects a key with a lone surrogate with InvalidKeyError before any network call', async () => {
    // Nothing listens on this port: a network call would fail with StoreError instead.
    const store = new NatsStore({ servers: `127.0.0.1:${await freePort()}`, bucket: BUCKET, prefix: 'p' });
    const invalid = { code: 'CACHE_INVALID_KEY' };
    await expect(store.get('\uD800x')).rejects.toMatchObject(invalid);
    await expect(store.getMany(['ok', '\uDBFFx'])).rejects.toMatchObject(invalid);
    await expect(store.set('x\uDC00', utf8('v'), LONG_TTL)).rejects.toMatchObject(invalid);
    await expect(store.setMany([{ key: '\uD800', value: utf8('v'), ttl: 0 }])).rejects.toMatchObject(invalid);
    await expect(store.add('\uD800', utf8('v'), 0)).rejects.toMatchObject(invalid);
    await expect(store.increment('\uD800', 1, 0)).rejects.toMatchObject(invalid);
    await expect(store.delete('\uD800')).rejects.toMatchObject(invalid);
    await expect(store.deleteMany(['ok', '\uD800'])).rejects.toMatchObject(invalid);
    await expect(store.deleteIfEquals('\uD800', utf8('v'))).rejects.toMatchObject(invalid);
    await expect(store.get('')).rejects.toMatchObject(invalid);
    await store.close();
  });

  it('rejects an oversized value before any network call', async () => {
    // Nothing listens on this port: a network call would fail with StoreError instead.
    const store = new NatsStore({ servers: `127.0.0.1:${await freePort()}`, bucket: BUCKET, prefix: 'p' });
    const cap = store.capabilities.maxValueBytes as number;
    await expect(store.set('big', new Uint8Array(cap + 1), LONG_TTL)).rejects.toBeInstanceOf(
      ValueTooLargeError,
    );
    await expect(
      store.setMany([{ key: 'big', value: new Uint8Array(cap + 1), ttl: 0 }]),
    ).rejects.toBeInstanceOf(ValueTooLargeError);
    await expect(store.add('big', new Uint8Array(cap + 1), 0)).rejects.toBeInstanceOf(ValueTooLargeError);
    await store.close();
  });

  it('stores a value of exactly the advertised cap', async () => {
    const store = open();
    const value = randomBytes(store.capabilities.maxValueBytes as number);
    await store.set('cap', value, LONG_TTL);
    expect(Buffer.from((await store.get('cap')) as Uint8Array).equals(value)).toBe(true);
  });

  it('fails within its deadline with StoreError when no server is reachable', async () => {
    const store = new NatsStore({
      servers: `127.0.0.1:${await freePort()}`,
      bucket: BUCKET,
      prefix: 'p',
      timeout: '300ms',
    });
    const started = Date.now();
    const error = await store.get('x').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).driver).toBe('nats');
    expect(Date.now() - started).toBeLessThan(2000);
    await store.close();
  });
});
