import { mkdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  InvalidTtlError,
  InvalidValueError,
  NotNumericError,
  StoreClosedError,
  StoreError,
} from '@cache/core';
import { describe, expect, it } from 'vitest';
import { FileStore } from '../src/index.js';
import { HOST_TAG } from '../src/host-identity.js';
import { keyPaths } from '../src/layout.js';
import { bytes, eventually, text, useStoreFixture } from './support/store-fixture.js';

describe('increment', () => {
  const fixture = useStoreFixture();

  it('fails only the increment that would leave the safe range, in a batch of concurrent ones', async () => {
    const store = fixture.open();
    const start = Number.MAX_SAFE_INTEGER - 5;
    await store.set('n', bytes(String(start)), 0);
    const results = await Promise.allSettled([
      store.increment('n', 1, 0),
      store.increment('n', 10, 0),
      store.increment('n', 1, 0),
    ]);
    expect(results[0]).toEqual({ status: 'fulfilled', value: start + 1 });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: expect.any(NotNumericError) });
    expect(results[2]).toEqual({ status: 'fulfilled', value: start + 2 });
    expect(text(await store.get('n'))).toBe(String(start + 2));
  });

  it('rejects every increment of a non-numeric value and leaves it alone', async () => {
    const store = fixture.open();
    await store.set('n', bytes('{"a":1}'), 0);
    const results = await Promise.allSettled([store.increment('n', 1, 0), store.increment('n', 2, 0)]);
    for (const result of results) expect(result).toMatchObject({ reason: expect.any(NotNumericError) });
    expect(text(await store.get('n'))).toBe('{"a":1}');
  });

  it('drops the delta of a caller that aborts while its batch waits for the lock', async () => {
    const store = fixture.open({ lockTimeout: 10_000 });
    const paths = keyPaths(store.directory, 'n');
    await mkdir(paths.folder, { recursive: true });
    await writeFile(
      paths.lock,
      JSON.stringify({ host: HOST_TAG, pid: process.pid, token: 'held', at: Date.now() }),
    );
    const controller = new AbortController();
    const first = store.increment('n', 1, 0);
    const aborted = store.increment('n', 100, 0, { signal: controller.signal });
    const third = store.increment('n', 1, 0);
    controller.abort(new Error('gone'));
    await expect(aborted).rejects.toThrow('gone');
    await unlink(paths.lock);
    expect(await first).toBe(1);
    expect(await third).toBe(2);
    expect(text(await store.get('n'))).toBe('2');
  });

  it('validates delta and ttl before touching the disk', async () => {
    const store = fixture.open();
    await expect(store.increment('n', 1.5, 0)).rejects.toBeInstanceOf(InvalidValueError);
    await expect(store.increment('n', Number.NaN, 0)).rejects.toBeInstanceOf(InvalidValueError);
    await expect(store.increment('n', 1, -1)).rejects.toBeInstanceOf(InvalidTtlError);
    await expect(store.set('k', bytes('v'), Number.POSITIVE_INFINITY)).rejects.toBeInstanceOf(
      InvalidTtlError,
    );
    await expect(
      store.setMany([
        { key: 'a', value: bytes('v'), ttl: 0 },
        { key: 'b', value: bytes('v'), ttl: Number.NaN },
      ]),
    ).rejects.toBeInstanceOf(InvalidTtlError);
    expect(await store.get('a')).toBeUndefined();
  });

  it('treats an expired counter as 0 and refreshes the ttl', async () => {
    const store = fixture.open();
    await store.increment('n', 5, 20);
    await eventually(async () => (await store.get('n')) === undefined);
    expect(await store.increment('n', 1, 0)).toBe(1);
  });
});

describe('deleteIfEquals', () => {
  const fixture = useStoreFixture();

  it('deletes only on equal bytes, and never an expired entry', async () => {
    const store = fixture.open();
    await store.set('k', bytes('token-a'), 0);
    expect(await store.deleteIfEquals('k', bytes('token-b'))).toBe(false);
    expect(await store.deleteIfEquals('k', bytes('token-a'))).toBe(true);
    expect(await store.deleteIfEquals('k', bytes('token-a'))).toBe(false);
    await store.set('short', bytes('t'), 10);
    await eventually(async () => (await store.get('short')) === undefined);
    expect(await store.deleteIfEquals('short', bytes('t'))).toBe(false);
  });
});

describe('lifecycle and errors', () => {
  const fixture = useStoreFixture();

  it('refuses every operation after close with StoreClosedError; close is idempotent', async () => {
    const store = fixture.open();
    await store.set('k', bytes('v'), 0);
    await store.close();
    await store.close();
    const calls = [
      store.get('k'),
      store.getMany(['k']),
      store.set('k', bytes('v'), 0),
      store.setMany([]),
      store.add('k', bytes('v'), 0),
      store.increment('k', 1, 0),
      store.delete('k'),
      store.deleteMany(['k']),
      store.deleteIfEquals('k', bytes('v')),
      store.flush(),
      store.prune(),
    ];
    for (const call of calls) await expect(call).rejects.toBeInstanceOf(StoreClosedError);
    // The files stay: a new store reads them.
    expect(text(await fixture.open().get('k'))).toBe('v');
  });

  it('wraps filesystem failures in StoreError with the cause', async () => {
    const file = join(fixture.dir(), 'a-file');
    await writeFile(file, 'not a directory');
    const store = new FileStore({ dir: file, prefix: 'p', pruneInterval: 0 });
    const error = await store.set('k', bytes('v'), 0).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'CACHE_STORE_ERROR', driver: 'file', operation: 'set' });
    expect((error as StoreError).cause).toMatchObject({ code: 'ENOTDIR' });
    await expect(store.get('k')).rejects.toMatchObject({ operation: 'get', cause: { code: 'ENOTDIR' } });
    await expect(store.increment('k', 1, 0)).rejects.toBeInstanceOf(StoreError);
    await store.close();
  });

  it('deletes idempotently, one key or many', async () => {
    const store = fixture.open();
    await store.setMany([
      { key: 'a', value: bytes('1'), ttl: 0 },
      { key: 'b', value: bytes('2'), ttl: 0 },
    ]);
    await store.delete('a');
    await store.delete('a');
    await store.deleteMany(['b', 'b', 'missing']);
    expect(await store.getMany(['a', 'b', 'missing'])).toEqual([undefined, undefined, undefined]);
  });
});
