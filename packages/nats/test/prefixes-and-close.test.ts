import { randomBytes } from 'node:crypto';
import { fromUtf8, StoreClosedError, StoreError, utf8 } from '@cache/core';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePrefixToken } from '../src/key-encoding.js';
import { NatsStore } from '../src/index.js';
import { freePort, SHARED_NATS_URL } from './support/nats-server.js';

const BUCKET = 'cache_nats_pkg_test';
const LONG_TTL = 3_600_000;

let connection: NatsConnection;

beforeAll(async () => {
  connection = await connect({ servers: SHARED_NATS_URL });
});

afterAll(async () => {
  await connection.close();
});

describe('NatsStore prefixes', () => {
  it('prefixes that nest as strings or subjects (a, a.b, a_, a-, a*, a>, a:b) each flush only their own keys', async () => {
    const base = `np_${randomBytes(4).toString('hex')}`;
    const prefixes = [
      base,
      `${base}.b`,
      `${base}_`,
      `${base}-`,
      `${base}*`,
      `${base}>`,
      `${base}:b`,
      `${base}.`,
    ];
    const stores = prefixes.map((prefix) => new NatsStore({ connection, bucket: BUCKET, prefix }));
    // Keys that spell another prefix's key once joined with '.', '_' or ':'.
    const keys = ['k', 'b.k', '_k', 'b:k', '>', '*'];
    try {
      for (const [i, store] of stores.entries()) {
        await store.setMany(keys.map((key) => ({ key, value: utf8(`${i}/${key}`), ttl: LONG_TTL })));
      }
      for (const [i, store] of stores.entries()) {
        await store.flush();
        expect(await store.getMany(keys), `${prefixes[i]} after its own flush`).toEqual(
          keys.map(() => undefined),
        );
        for (const [j, survivor] of stores.entries()) {
          if (j <= i) continue;
          const values = (await survivor.getMany(keys)).map((v) => (v === undefined ? v : fromUtf8(v)));
          expect(values, `${prefixes[j]} after flushing ${prefixes[i]}`).toEqual(
            keys.map((k) => `${j}/${k}`),
          );
        }
      }
    } finally {
      for (const store of stores) await store.close();
    }
  });

  it('gives prefixes that differ only in a surrogate pair distinct tokens (lone surrogates are refused)', () => {
    expect(encodePrefixToken('\uD83D\uDE80')).not.toBe(encodePrefixToken('\uD83D\uDE81'));
    expect(() => new NatsStore({ connection, bucket: BUCKET, prefix: '\uD800' })).toThrow(/lone/);
    expect(() => new NatsStore({ connection, bucket: BUCKET, prefix: '\uDBFF' })).toThrow(/lone/);
  });
});

describe('NatsStore close', () => {
  it('waits for calls in flight, leaves an injected connection open, and refuses later calls at once', async () => {
    const store = new NatsStore({
      connection,
      bucket: BUCKET,
      prefix: `nc_${randomBytes(4).toString('hex')}`,
    });
    await store.set('seed', utf8('0'), LONG_TTL);
    const calls = Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0 ? store.increment('seed', 1, LONG_TTL) : store.set(`k${i}`, utf8('v'), LONG_TTL),
    );
    const outcomes: string[] = [];
    for (const call of calls)
      call.then(
        () => outcomes.push('fulfilled'),
        () => outcomes.push('rejected'),
      );
    const closing = store.close();
    expect(store.close(), 'close is idempotent: the same promise').toBe(closing);
    await closing;
    expect(outcomes.length, 'calls settled when close resolved').toBe(calls.length);
    // Nothing in flight was cut off: the connection stayed up until they were done.
    expect(outcomes).toEqual(calls.map(() => 'fulfilled'));
    expect(connection.isClosed(), 'the injected connection is left open').toBe(false);
    await expect(store.get('seed')).rejects.toBeInstanceOf(StoreClosedError);
    await expect(store.flush()).rejects.toBeInstanceOf(StoreClosedError);
    // The counter is intact for a fresh store on the same connection.
    const again = new NatsStore({ connection, bucket: BUCKET, prefix: store.prefix });
    expect(fromUtf8((await again.get('seed')) as Uint8Array)).toBe('20');
    await again.flush();
    await again.close();
  });

  it('waits for a call that is still failing against an unreachable server', async () => {
    const store = new NatsStore({ servers: `127.0.0.1:${await freePort()}`, prefix: 'p', timeout: 300 });
    const order: string[] = [];
    const call = store.get('x').catch((error: unknown) => {
      order.push('call');
      return error;
    });
    await store.close().then(() => order.push('close'));
    expect(order).toEqual(['call', 'close']);
    expect(await call).toBeInstanceOf(StoreError);
  });
});
