import { randomBytes } from 'node:crypto';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import {
  ConfigError,
  fromUtf8,
  NO_EXPIRY,
  NotNumericError,
  StoreClosedError,
  StoreError,
  utf8,
  ValueTooLargeError,
} from '@cache/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoStore, type DynamoStoreOptions } from '../src/index.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION, LocalDynamo } from './support/dynalite-server.js';

const LONG_TTL = 3_600_000;
const TABLE = `cache_${randomBytes(4).toString('hex')}`;

let dynamo: LocalDynamo;
let raw: DynamoDBClient;
const opened: DynamoStore[] = [];

function open(options: Partial<DynamoStoreOptions> = {}): DynamoStore {
  const store = new DynamoStore({
    endpoint: dynamo.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    table: TABLE,
    prefix: `dt_${randomBytes(4).toString('hex')}`,
    ...options,
  });
  opened.push(store);
  return store;
}

function text(bytes: Uint8Array | undefined): string | undefined {
  return bytes === undefined ? undefined : fromUtf8(bytes);
}

function queryPartition(store: DynamoStore) {
  return raw.send(
    new QueryCommand({
      TableName: store.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: `=${store.prefix}` } },
    }),
  );
}

async function rawItem(store: DynamoStore, key: string) {
  const result = await raw.send(
    new GetItemCommand({
      TableName: store.table,
      Key: { pk: { S: `=${store.prefix}` }, sk: { S: `=${key}` } },
    }),
  );
  return result.Item;
}

beforeAll(async () => {
  dynamo = await LocalDynamo.start();
  raw = dynamo.client();
});

afterEach(async () => {
  for (const store of opened.splice(0)) {
    await store.flush().catch(() => undefined);
    await store.close();
  }
});

afterAll(async () => {
  raw?.destroy();
  await dynamo?.stop();
});

describe('DynamoStore table setup', () => {
  it('creates the table with pk/sk on first use, and concurrent creators all succeed', async () => {
    const table = `fresh_${randomBytes(4).toString('hex')}`;
    const stores = Array.from({ length: 5 }, () => open({ table }));
    await Promise.all(stores.map((store, i) => store.set('k', utf8(String(i)), LONG_TTL)));
    const { Table } = await raw.send(new DescribeTableCommand({ TableName: table }));
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table?.BillingModeSummary?.BillingMode ?? 'PAY_PER_REQUEST').toBe('PAY_PER_REQUEST');
  });

  it('refuses an existing table with another key schema with ConfigError', async () => {
    const table = `other_${randomBytes(4).toString('hex')}`;
    await raw.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    await expect(open({ table }).get('k')).rejects.toBeInstanceOf(ConfigError);
  });

  it('with createTable: false makes no control-plane calls and fails with StoreError on a missing table', async () => {
    const store = open({ table: `missing_${randomBytes(4).toString('hex')}`, createTable: false });
    const error = await store.get('k').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect(((error as StoreError).cause as { name?: string }).name).toBe('ResourceNotFoundException');
  });
});

describe('DynamoStore on dynalite', () => {
  it('round trips, overwrites, deletes and keeps the empty value', async () => {
    const store = open();
    expect(await store.get('missing')).toBeUndefined();
    await store.set('a', utf8('one'), LONG_TTL);
    await store.set('a', utf8('two'), NO_EXPIRY);
    expect(text(await store.get('a'))).toBe('two');
    await store.set('empty', new Uint8Array(0), LONG_TTL);
    expect((await store.get('empty'))?.byteLength).toBe(0);
    await store.delete('a');
    await store.delete('a');
    expect(await store.get('a')).toBeUndefined();
  });

  it('writes exp in ms and the native ttl attribute in seconds, rounded up, and none for NO_EXPIRY', async () => {
    const store = open();
    const before = Date.now();
    await store.set('t', utf8('x'), 1_500);
    await store.set('forever', utf8('x'), NO_EXPIRY);
    const item = await rawItem(store, 't');
    const expiresAt = Number(item?.exp?.N);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 1_500);
    expect(Number(item?.ttl?.N)).toBe(Math.ceil(expiresAt / 1000));
    const forever = await rawItem(store, 'forever');
    expect(forever?.exp?.N).toBe('0');
    expect(forever?.ttl).toBeUndefined();
  });

  it('never returns an expired item that is still in the table (native TTL lags)', async () => {
    const store = open();
    await store.set('short', utf8('x'), 40);
    await vi.waitFor(async () => expect(await store.get('short')).toBeUndefined(), {
      interval: 10,
      timeout: 2000,
    });
    expect(await rawItem(store, 'short')).toBeDefined();
    expect(await store.getMany(['short'])).toEqual([undefined]);
    expect(await store.deleteIfEquals('short', utf8('x'))).toBe(false);
  });

  it('add writes over an absent or expired item, not over a live one', async () => {
    const store = open();
    expect(await store.add('k', utf8('first'), 40)).toBe(true);
    expect(await store.add('k', utf8('second'), LONG_TTL)).toBe(false);
    await vi.waitFor(async () => expect(await store.get('k')).toBeUndefined(), {
      interval: 10,
      timeout: 2000,
    });
    expect(await store.add('k', utf8('third'), NO_EXPIRY)).toBe(true);
    expect(await store.add('k', utf8('fourth'), LONG_TTL)).toBe(false);
    expect(text(await store.get('k'))).toBe('third');
  });

  it('keeps counters in the number attribute n and reads them as decimal bytes', async () => {
    const store = open();
    expect(await store.increment('n', 5, LONG_TTL)).toBe(5);
    expect(await store.increment('n', -7, LONG_TTL)).toBe(-2);
    const item = await rawItem(store, 'n');
    expect(item?.n?.N).toBe('-2');
    expect(item?.v).toBeUndefined();
    expect(text(await store.get('n'))).toBe('-2');
    expect(await store.deleteIfEquals('n', utf8('-3'))).toBe(false);
    expect(await store.deleteIfEquals('n', utf8('-2'))).toBe(true);
    expect(await store.get('n')).toBeUndefined();
  });

  it('turns a decimal written with set into a counter, and rejects non-decimal values', async () => {
    const store = open();
    await store.set('d', utf8('41'), LONG_TTL);
    expect(await store.increment('d', 1, LONG_TTL)).toBe(42);
    expect((await rawItem(store, 'd'))?.v).toBeUndefined();
    await store.set('w', utf8('abc'), LONG_TTL);
    await expect(store.increment('w', 1, LONG_TTL)).rejects.toBeInstanceOf(NotNumericError);
    expect(text(await store.get('w'))).toBe('abc');
  });

  it('restarts an expired counter at the delta, and refreshes the ttl on every increment', async () => {
    const store = open();
    await store.increment('c', 10, 40);
    await vi.waitFor(async () => expect(await store.get('c')).toBeUndefined(), {
      interval: 10,
      timeout: 2000,
    });
    expect(await store.increment('c', 3, NO_EXPIRY)).toBe(3);
    expect((await rawItem(store, 'c'))?.ttl).toBeUndefined();
    expect(await store.increment('c', 1, LONG_TTL)).toBe(4);
    expect(Number((await rawItem(store, 'c'))?.exp?.N)).toBeGreaterThan(Date.now() + LONG_TTL - 60_000);
  });

  it('refuses to leave the safe integer range with NotNumericError and keeps the counter', async () => {
    const store = open();
    await store.set('big', utf8(String(Number.MAX_SAFE_INTEGER - 1)), LONG_TTL);
    expect(await store.increment('big', 1, LONG_TTL)).toBe(Number.MAX_SAFE_INTEGER);
    await expect(store.increment('big', 1, LONG_TTL)).rejects.toBeInstanceOf(NotNumericError);
    expect(text(await store.get('big'))).toBe(String(Number.MAX_SAFE_INTEGER));
  });

  it('increments atomically from several clients at once', async () => {
    const prefix = `dt_${randomBytes(4).toString('hex')}`;
    const stores = Array.from({ length: 4 }, () => open({ prefix }));
    const results = await Promise.all(
      stores.flatMap((store) => Array.from({ length: 25 }, () => store.increment('hits', 1, LONG_TTL))),
    );
    expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('deleteIfEquals deletes only the expected bytes', async () => {
    const store = open();
    await store.set('lock', utf8('token-a'), LONG_TTL);
    expect(await store.deleteIfEquals('lock', utf8('token-b'))).toBe(false);
    expect(await store.deleteIfEquals('lock', utf8('token-a'))).toBe(true);
    expect(await store.deleteIfEquals('lock', utf8('token-a'))).toBe(false);
  });

  it('batches: > 100 keys with duplicates in getMany, > 25 entries with repeats in setMany and deleteMany', async () => {
    const store = open();
    const keys = Array.from({ length: 130 }, (_, i) => `k${i}`);
    const entries = keys.map((key) => ({ key, value: utf8(`v-${key}`), ttl: LONG_TTL }));
    // A repeated key: the last entry wins, as with sequential sets.
    entries.push({ key: 'k0', value: utf8('last'), ttl: LONG_TTL });
    await store.setMany(entries);
    const read = await store.getMany([...keys, 'k1', 'absent', 'k0']);
    expect(read.map(text)).toEqual([
      'last',
      ...keys.slice(1).map((key) => `v-${key}`),
      'v-k1',
      undefined,
      'last',
    ]);
    await store.deleteMany([...keys.slice(0, 60), 'k0', 'never-set']);
    const after = await store.getMany(keys);
    expect(after.filter((v) => v !== undefined)).toHaveLength(70);
    expect(after[59]).toBeUndefined();
    expect(text(after[60])).toBe('v-k60');
  });

  it('flush removes this partition across several query pages and leaves a neighbour prefix', async () => {
    const store = open();
    const neighbour = open();
    // ~1.2 MB of data: more than one 1 MB Query page.
    const big = randomBytes(300 * 1024);
    await store.setMany(Array.from({ length: 4 }, (_, i) => ({ key: `big${i}`, value: big, ttl: LONG_TTL })));
    await store.setMany(
      Array.from({ length: 40 }, (_, i) => ({ key: `s${i}`, value: utf8('x'), ttl: LONG_TTL })),
    );
    await neighbour.set('s0', utf8('neighbour'), LONG_TTL);
    expect((await queryPartition(store)).LastEvaluatedKey, 'the partition spans several pages').toBeDefined();
    await store.flush();
    expect((await queryPartition(store)).Items).toEqual([]);
    expect((await store.getMany(['big0', 'big3', 's0', 's39'])).every((v) => v === undefined)).toBe(true);
    expect(text(await neighbour.get('s0'))).toBe('neighbour');
  });

  it('long keys are hashed, keep their text, and a foreign item under the same hash is a miss', async () => {
    const store = open();
    const long = 'L'.repeat(2000);
    await store.set(long, utf8('mine'), LONG_TTL);
    expect(text(await store.get(long))).toBe('mine');
    expect(await store.increment(`${long}#n`, 2, LONG_TTL)).toBe(2);
    // Overwrite the item with one claiming to be another key (a simulated hash collision).
    const { Items } = await queryPartition(store);
    const item = Items?.find((i) => i.k?.S === long);
    expect(item?.sk?.S?.startsWith('#')).toBe(true);
    await raw.send(
      new PutItemCommand({ TableName: store.table, Item: { ...item, k: { S: 'another key' } } }),
    );
    expect(await store.get(long)).toBeUndefined();
    expect(await store.add(long, utf8('mine again'), LONG_TTL)).toBe(true);
    expect(text(await store.get(long))).toBe('mine again');
  });

  it('stores a value of exactly the advertised cap and rejects one byte more before any network call', async () => {
    const store = open();
    const cap = store.capabilities.maxValueBytes as number;
    const value = randomBytes(cap);
    await store.set('cap', value, LONG_TTL);
    expect(Buffer.from((await store.get('cap')) as Uint8Array).equals(value)).toBe(true);
    // A store whose endpoint nobody serves: a network call would be a StoreError.
    const offline = new DynamoStore({
      endpoint: 'http://127.0.0.1:9',
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      prefix: 'offline',
    });
    await expect(offline.set('big', new Uint8Array(cap + 1), LONG_TTL)).rejects.toBeInstanceOf(
      ValueTooLargeError,
    );
    await expect(offline.add('big', new Uint8Array(cap + 1), LONG_TTL)).rejects.toBeInstanceOf(
      ValueTooLargeError,
    );
    await expect(
      offline.setMany([{ key: 'big', value: new Uint8Array(cap + 1), ttl: LONG_TTL }]),
    ).rejects.toBeInstanceOf(ValueTooLargeError);
    // A hashed key stores its text too, so the exact item size decides.
    await expect(offline.set('x'.repeat(20_000), new Uint8Array(cap), LONG_TTL)).rejects.toBeInstanceOf(
      ValueTooLargeError,
    );
    await offline.close();
  });

  it('never destroys an injected client, and refuses calls after close', async () => {
    const client = dynamo.client();
    const store = new DynamoStore({ client, table: TABLE, prefix: 'injected' });
    await store.set('x', utf8('1'), LONG_TTL);
    await store.flush();
    await store.close();
    await store.close();
    await expect(store.get('x')).rejects.toBeInstanceOf(StoreClosedError);
    // Still usable by its owner.
    await expect(client.send(new DescribeTableCommand({ TableName: TABLE }))).resolves.toBeDefined();
    client.destroy();
  });

  it('fails with StoreError within its deadline when nothing answers', async () => {
    const store = new DynamoStore({
      endpoint: 'http://127.0.0.1:9',
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      prefix: 'offline',
      timeout: '500ms',
    });
    const started = Date.now();
    const error = await store.get('x').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).driver).toBe('dynamodb');
    expect(Date.now() - started).toBeLessThan(1_500);
    await store.close();
  });

  it('stops at once when the caller aborts', async () => {
    const store = open();
    const controller = new AbortController();
    controller.abort(new Error('caller gave up'));
    await expect(store.get('x', { signal: controller.signal })).rejects.toThrow('caller gave up');
  });
});
