import { NO_EXPIRY, NotNumericError, StoreClosedError } from '@cache/core';
import { describe, expect, it } from 'vitest';
import { RedisStore } from '../src/index.js';
import { bytes, openRaw, openStore, REDIS_URL, text, uniquePrefix, waitFor } from './support.js';

describe('RedisStore basics', () => {
  it('stores raw bytes under <prefix>:<key>, readable by redis-cli', async () => {
    const store = openStore();
    const raw = openRaw();
    await store.set('user:1', bytes('{"name":"ada"}'), 60_000);
    expect(await raw.get(`${store.prefix}:user:1`)).toBe('{"name":"ada"}');
    expect(text(await store.get('user:1'))).toBe('{"name":"ada"}');
    expect(await store.get('missing')).toBeUndefined();
  });

  it('sets a millisecond TTL with PX, and NO_EXPIRY as a plain SET', async () => {
    const store = openStore();
    const raw = openRaw();
    await store.set('ttl', bytes('x'), 1_500);
    const pttl = await raw.pttl(`${store.prefix}:ttl`);
    expect(pttl).toBeGreaterThan(1_000);
    expect(pttl).toBeLessThanOrEqual(1_500);
    await store.set('forever', bytes('x'), NO_EXPIRY);
    expect(await raw.pttl(`${store.prefix}:forever`)).toBe(-1);
  });

  it('expires entries after their TTL', async () => {
    const store = openStore();
    await store.set('short', bytes('x'), 50);
    expect(text(await store.get('short'))).toBe('x');
    expect(await waitFor(async () => (await store.get('short')) === undefined)).toBe(true);
  });

  it('keeps a private copy of the value it was given', async () => {
    const store = openStore();
    const value = bytes('abc');
    const pending = store.set('copy', value, 60_000);
    value[0] = 0x7a; // mutated before the auto-pipelined write reaches the socket
    await pending;
    expect(text(await store.get('copy'))).toBe('abc');
  });

  it('add writes only when absent, and counts an expired entry as absent', async () => {
    const store = openStore();
    expect(await store.add('k', bytes('first'), 60_000)).toBe(true);
    expect(await store.add('k', bytes('second'), 60_000)).toBe(false);
    expect(text(await store.get('k'))).toBe('first');
    await store.set('brief', bytes('old'), 30);
    expect(await waitFor(async () => store.add('brief', bytes('new'), 60_000))).toBe(true);
    expect(text(await store.get('brief'))).toBe('new');
  });

  it('increments atomically, refreshes the TTL in ms, and accepts signed deltas', async () => {
    const store = openStore();
    const raw = openRaw();
    expect(await store.increment('n', 5, 10_000)).toBe(5);
    expect(await store.increment('n', -7, 20_000)).toBe(-2);
    expect(await raw.pttl(`${store.prefix}:n`)).toBeGreaterThan(10_000);
    expect(await store.increment('n', 0, NO_EXPIRY)).toBe(-2);
    expect(await raw.pttl(`${store.prefix}:n`)).toBe(-1);
    const results = await Promise.all(Array.from({ length: 200 }, () => store.increment('c', 1, 60_000)));
    expect(new Set(results).size).toBe(200);
    expect(text(await store.get('c'))).toBe('200');
  });

  it('raises NotNumericError for a non-numeric value and for leaving the safe integer range', async () => {
    const store = openStore();
    await store.set('word', bytes('hello'), 60_000);
    await expect(store.increment('word', 1, 60_000)).rejects.toBeInstanceOf(NotNumericError);
    await store.set('big', bytes(String(Number.MAX_SAFE_INTEGER)), 60_000);
    await expect(store.increment('big', 1, 60_000)).rejects.toMatchObject({ code: 'CACHE_NOT_NUMERIC' });
    expect(text(await store.get('big'))).toBe(String(Number.MAX_SAFE_INTEGER));
  });

  it('falls back to EVAL when the server does not know the script yet', async () => {
    const store = openStore();
    const raw = openRaw();
    await raw.script('FLUSH');
    expect(await store.increment('after-flush', 2, 60_000)).toBe(2);
    await raw.script('FLUSH');
    await store.set('lock', bytes('token'), 60_000);
    expect(await store.deleteIfEquals('lock', bytes('token'))).toBe(true);
  });

  it('deleteIfEquals deletes only on an exact byte match', async () => {
    const store = openStore();
    const binary = Uint8Array.from([0, 255, 1, 128]);
    await store.set('lock', binary, 60_000);
    expect(await store.deleteIfEquals('lock', Uint8Array.from([0, 255, 1]))).toBe(false);
    expect(await store.deleteIfEquals('lock', binary)).toBe(true);
    expect(await store.get('lock')).toBeUndefined();
    expect(await store.deleteIfEquals('lock', binary)).toBe(false);
  });

  it('getMany/setMany/deleteMany keep order and handle misses', async () => {
    const store = openStore();
    await store.setMany([
      { key: 'a', value: bytes('1'), ttl: 60_000 },
      { key: 'b', value: bytes('2'), ttl: NO_EXPIRY },
    ]);
    expect((await store.getMany(['b', 'missing', 'a'])).map(text)).toEqual(['2', undefined, '1']);
    expect(await store.getMany([])).toEqual([]);
    await store.deleteMany(['a', 'missing']);
    expect((await store.getMany(['a', 'b'])).map(text)).toEqual([undefined, '2']);
    await store.deleteMany([]);
    await store.delete('b');
    await store.delete('b');
    expect(await store.get('b')).toBeUndefined();
  });

  it('round-trips every byte value and the empty value', async () => {
    const store = openStore();
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    await store.set('all', all, 60_000);
    await store.set('empty', new Uint8Array(0), 60_000);
    expect(Array.from((await store.get('all')) ?? [])).toEqual(Array.from(all));
    expect((await store.get('empty'))?.byteLength).toBe(0);
  });

  it('rejects after close, and close is idempotent', async () => {
    const store = new RedisStore({ url: REDIS_URL, prefix: uniquePrefix() });
    await store.set('k', bytes('v'), 60_000);
    await store.close();
    await store.close();
    await expect(store.get('k')).rejects.toBeInstanceOf(StoreClosedError);
    expect(store.client.status).toBe('end');
  });

  it('close waits for the calls in flight, on an owned and on an injected client', async () => {
    const raw = openRaw();
    for (const store of [
      new RedisStore({ url: REDIS_URL, prefix: uniquePrefix() }),
      new RedisStore({ client: raw, prefix: uniquePrefix() }),
    ]) {
      await store.set('seed', bytes('0'), 60_000);
      let settled = 0;
      const calls = Array.from({ length: 30 }, (_, i) =>
        (i % 2 === 0 ? store.get('seed') : store.increment('n', 1, 60_000)).finally(() => {
          settled++;
        }),
      );
      await store.close();
      expect(settled, 'calls settled when close() resolved').toBe(30);
      // Started before close: they completed normally.
      expect((await Promise.allSettled(calls)).every((outcome) => outcome.status === 'fulfilled')).toBe(true);
      await expect(store.set('late', bytes('v'), 60_000)).rejects.toMatchObject({
        code: 'CACHE_STORE_CLOSED',
      });
    }
    expect(raw.status).toBe('ready');
  });

  it('fails calls after close at once, while close still waits', async () => {
    const raw = openRaw();
    const store = new RedisStore({ client: raw, prefix: uniquePrefix() });
    const inFlight = store.getMany(['a', 'b']);
    const closing = store.close();
    // Refused synchronously (no round trip), before the in-flight call has its reply.
    await expect(store.get('a')).rejects.toMatchObject({ code: 'CACHE_STORE_CLOSED' });
    await expect(store.flush()).rejects.toMatchObject({ code: 'CACHE_STORE_CLOSED' });
    expect(await inFlight).toEqual([undefined, undefined]);
    await closing;
    expect(await raw.ping()).toBe('PONG');
  });

  it('refuses keys that are not well-formed UTF-16 before any command', async () => {
    // Nothing listens on port 1: a call that reached the network would fail with a StoreError.
    const store = new RedisStore({ url: 'redis://127.0.0.1:1', prefix: uniquePrefix() });
    const bad = 'lone\uD800';
    const v = bytes('v');
    try {
      for (const call of [
        () => store.get(bad),
        () => store.getMany(['ok', bad]),
        () => store.set(bad, v, 1_000),
        () =>
          store.setMany([
            { key: 'ok', value: v, ttl: 1_000 },
            { key: bad, value: v, ttl: 1_000 },
          ]),
        () => store.add(bad, v, 1_000),
        () => store.increment(bad, 1, 1_000),
        () => store.delete(bad),
        () => store.deleteMany(['ok', bad]),
        () => store.deleteIfEquals(bad, v),
      ]) {
        await expect(call()).rejects.toMatchObject({ code: 'CACHE_INVALID_KEY' });
      }
      expect(store.client.status).not.toBe('ready');
    } finally {
      await store.close();
    }
  });

  it('rejects bad configuration with ConfigError', () => {
    expect(() => new RedisStore({ prefix: '' })).toThrow(
      expect.objectContaining({ code: 'CACHE_INVALID_CONFIG' }),
    );
    expect(() => new RedisStore({ url: 'http://x', prefix: 'p' })).toThrow(
      expect.objectContaining({ code: 'CACHE_INVALID_CONFIG' }),
    );
    const raw = openRaw();
    expect(() => new RedisStore({ client: raw, url: REDIS_URL, prefix: 'p' })).toThrow(
      expect.objectContaining({ code: 'CACHE_INVALID_CONFIG' }),
    );
  });

  it('rejects negative or fractional TTLs without touching the server', async () => {
    const store = openStore();
    await expect(store.set('k', bytes('v'), -1)).rejects.toMatchObject({ code: 'CACHE_INVALID_TTL' });
    await expect(store.set('k', bytes('v'), 1.5)).rejects.toMatchObject({ code: 'CACHE_INVALID_TTL' });
    expect(await store.get('k')).toBeUndefined();
  });
});

describe('RedisStore.flush', () => {
  it('removes its prefix only, escaping glob characters in the prefix', async () => {
    const raw = openRaw();
    const base = uniquePrefix('flush');
    const store = openStore({ prefix: `${base}[a]*?\\` });
    const neighbours = [`${base}a:k`, `${base}[a]x:k`, `${base}[a]*?\\x:k`, `${base}[a]*?\\`, `${base}b:k`];
    for (const key of neighbours) await raw.set(key, 'keep');
    const keys = Array.from({ length: 2_500 }, (_, i) => `k${i}`);
    await store.setMany(keys.map((key) => ({ key, value: bytes('v'), ttl: 60_000 })));
    await store.flush();
    expect((await store.getMany(keys)).every((value) => value === undefined)).toBe(true);
    expect(await raw.mget(neighbours)).toEqual(neighbours.map(() => 'keep'));
    await raw.del(neighbours);
  });
});

describe('RedisStore connection behaviour', () => {
  it('waits for its first connection instead of failing the first command', async () => {
    const store = new RedisStore({ url: REDIS_URL, prefix: uniquePrefix() });
    try {
      expect(store.client.status).not.toBe('ready');
      await store.set('first', bytes('v'), 60_000);
      expect(text(await store.get('first'))).toBe('v');
    } finally {
      await store.close();
    }
  });

  it('fails fast with a StoreError when nothing listens', async () => {
    // Port 1 on loopback: connection refused at once.
    const store = new RedisStore({ url: 'redis://127.0.0.1:1', prefix: uniquePrefix() });
    try {
      const started = Date.now();
      await expect(store.get('k')).rejects.toMatchObject({ code: 'CACHE_STORE_ERROR', driver: 'redis' });
      await expect(store.set('k', bytes('v'), 1_000)).rejects.toMatchObject({ code: 'CACHE_STORE_ERROR' });
      expect(Date.now() - started).toBeLessThan(2_500);
    } finally {
      await store.close();
    }
  });
});

describe('RedisStore under concurrency (auto-pipelined path)', () => {
  it('keeps every reply with its caller when many commands are in flight', async () => {
    const store = openStore();
    const keys = Array.from({ length: 300 }, (_, i) => `c${i}`);
    await Promise.all(keys.map((key, i) => store.set(key, bytes(`v${i}`), i % 3 === 0 ? NO_EXPIRY : 60_000)));
    const [values, batches, added, counted] = await Promise.all([
      Promise.all(keys.map((key) => store.get(key))),
      Promise.all(keys.slice(0, 30).map((key, i) => store.getMany([key, 'missing', keys[i + 1]!]))),
      Promise.all(keys.slice(0, 50).map((key) => store.add(key, bytes('no'), 60_000))),
      Promise.all(keys.slice(0, 50).map(() => store.increment('n', 2, 60_000))),
    ]);
    expect(values.map(text)).toEqual(keys.map((_, i) => `v${i}`));
    expect(batches.map((batch) => batch.map(text))).toEqual(
      keys.slice(0, 30).map((_, i) => [`v${i}`, undefined, `v${i + 1}`]),
    );
    expect(added.every((result) => result === false)).toBe(true);
    expect([...counted].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => 2 * (i + 1)));
    const deleted = await Promise.all(
      keys.slice(0, 20).map((key, i) => store.deleteIfEquals(key, bytes(`v${i}`))),
    );
    expect(deleted.every(Boolean)).toBe(true);
    await Promise.all(keys.map((key) => store.delete(key)));
    expect((await store.getMany(keys)).every((value) => value === undefined)).toBe(true);
  });
});
