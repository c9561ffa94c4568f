import { randomBytes } from 'node:crypto';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { fromUtf8, NotNumericError, StoreClosedError, utf8 } from '@cache/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoStore, type DynamoStoreOptions } from '../src/index.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION, LocalDynamo } from './support/dynalite-server.js';

const LONG_TTL = 3_600_000;
const TABLE = `kc_${randomBytes(4).toString('hex')}`;

let dynamo: LocalDynamo;
let raw: DynamoDBClient;

function local(options: Partial<DynamoStoreOptions> = {}): DynamoStore {
  return new DynamoStore({
    endpoint: dynamo.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    table: TABLE,
    prefix: `kc_${randomBytes(4).toString('hex')}`,
    ...options,
  });
}

beforeAll(async () => {
  dynamo = await LocalDynamo.start();
  raw = dynamo.client();
});

afterAll(async () => {
  raw?.destroy();
  await dynamo?.stop();
});

describe('DynamoStore keys and prefixes', () => {
  it('refuses a key with a lone surrogate with InvalidKeyError before any network call', async () => {
    // Nobody serves this endpoint: a request would fail with StoreError instead.
    const store = new DynamoStore({
      endpoint: 'http://127.0.0.1:9',
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      prefix: 'offline',
    });
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

  it('partitions of nested, marker-like and long hashed prefixes each flush only their own keys', async () => {
    const p = `np_${randomBytes(4).toString('hex')}`;
    const long = 'L'.repeat(1500);
    const prefixes = [p, `${p}:b`, `${p}*`, `${p}b`, `#${p}`, `=${p}`, `${long}a`, `${long}b`];
    const stores = prefixes.map((prefix) => local({ prefix }));
    const keys = ['k', 'b:k', '*', 'bk'];
    try {
      for (const [i, store] of stores.entries()) {
        await store.setMany(keys.map((key) => ({ key, value: utf8(`${i}/${key}`), ttl: LONG_TTL })));
      }
      for (const [i, store] of stores.entries()) {
        await store.flush();
        expect(await store.getMany(keys)).toEqual(keys.map(() => undefined));
        for (const [j, survivor] of stores.entries()) {
          if (j <= i) continue;
          const values = (await survivor.getMany(keys)).map((v) => (v === undefined ? v : fromUtf8(v)));
          expect(values, `prefix #${j} after flushing #${i}`).toEqual(keys.map((k) => `${j}/${k}`));
        }
      }
    } finally {
      for (const store of stores) await store.close();
    }
  });
});

describe('DynamoStore increment on values written with set', () => {
  it('treats only canonical decimals as numeric: "05", "-0", "+5" stay bytes, "41" becomes a counter', async () => {
    const store = local();
    try {
      for (const odd of ['05', '-0', '+5', ' 5', '1e3', '1.0']) {
        await store.set('odd', utf8(odd), LONG_TTL);
        await expect(store.increment('odd', 1, LONG_TTL), odd).rejects.toBeInstanceOf(NotNumericError);
        // DynamoDB's own number parsing would take these; the item must not have been converted.
        const { Item } = await raw.send(
          new GetItemCommand({ TableName: TABLE, Key: { pk: { S: `=${store.prefix}` }, sk: { S: '=odd' } } }),
        );
        expect(Item?.n, `${odd} left as bytes`).toBeUndefined();
        expect(fromUtf8(Item?.v?.B as Uint8Array)).toBe(odd);
      }
      await store.set('d', utf8('41'), LONG_TTL);
      expect(await store.increment('d', 1, LONG_TTL)).toBe(42);
      expect(await store.deleteIfEquals('d', utf8('042')), 'not the canonical spelling of 42').toBe(false);
      expect(await store.deleteIfEquals('d', utf8('42'))).toBe(true);
    } finally {
      await store.flush();
      await store.close();
    }
  });
});

describe('DynamoStore close', () => {
  it('waits for calls in flight, never destroys an injected client, and refuses later calls at once', async () => {
    const client = dynamo.client();
    const destroy = vi.spyOn(client, 'destroy');
    const store = new DynamoStore({ client, table: TABLE, prefix: `cl_${randomBytes(4).toString('hex')}` });
    await store.set('seed', utf8('0'), LONG_TTL);
    const calls = Array.from({ length: 30 }, (_, i) =>
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
    expect(outcomes).toEqual(calls.map(() => 'fulfilled'));
    expect(destroy).not.toHaveBeenCalled();
    await expect(store.get('seed')).rejects.toBeInstanceOf(StoreClosedError);
    await expect(store.flush()).rejects.toBeInstanceOf(StoreClosedError);
    // The owner's client still works, and the counter is whole.
    const again = new DynamoStore({ client, table: TABLE, prefix: store.prefix });
    expect(fromUtf8((await again.get('seed')) as Uint8Array)).toBe('15');
    await again.flush();
    await again.close();
    client.destroy();
  });

  it('destroys a client it created only after the calls in flight settled', async () => {
    const order: string[] = [];
    const destroy = vi.spyOn(DynamoDBClient.prototype, 'destroy').mockImplementation(function (
      this: DynamoDBClient,
    ) {
      order.push('destroy');
    });
    try {
      const store = local();
      await store.set('warm', utf8('1'), LONG_TTL);
      const calls = Array.from({ length: 10 }, () => store.get('warm').then(() => order.push('call')));
      await store.close();
      await Promise.all(calls);
      expect(order).toEqual([...calls.map(() => 'call'), 'destroy']);
      expect(destroy).toHaveBeenCalledTimes(1);
    } finally {
      destroy.mockRestore();
    }
  });
});
