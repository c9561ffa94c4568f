import { mkdir, readdir, unlink, writeFile } from 'node:fs/promises';
import { InvalidKeyError, NotNumericError, StoreClosedError } from '@cache/core';
import { describe, expect, it, vi } from 'vitest';
import { HOST_TAG } from '../src/host-identity.js';
import { keyPaths } from '../src/layout.js';
import { bytes, text, useStoreFixture } from './support/store-fixture.js';

const HOUR = 3_600_000;

describe('close', () => {
  const fixture = useStoreFixture();

  it('waits for calls in flight (here: waiting for a key lock), refusing new calls at once', async () => {
    const store = fixture.open({ lockTimeout: 10_000 });
    await store.set('seed', bytes('s'), HOUR);
    // A lock held by this (live) process under another token: add/increment on "held" wait for it.
    const paths = keyPaths(store.directory, 'held');
    await mkdir(paths.folder, { recursive: true });
    await writeFile(
      paths.lock,
      JSON.stringify({ host: HOST_TAG, pid: process.pid, token: 'other', at: Date.now() }),
    );
    const events: string[] = [];
    const calls = [
      store.increment('held', 1, HOUR),
      store.increment('held', 2, HOUR),
      store.add('held-too', bytes('x'), HOUR),
      store.get('seed'),
      store.set('other', bytes('o'), HOUR),
    ];
    const held = [calls[0], calls[1]].map((call) =>
      (call as Promise<unknown>).then(
        (value) => events.push(`fulfilled ${String(value)}`),
        (error: unknown) => events.push(`rejected ${String(error)}`),
      ),
    );
    const closing = store.close().then(() => events.push('closed'));
    await expect(store.get('seed')).rejects.toBeInstanceOf(StoreClosedError);
    await expect(store.increment('held', 1, HOUR)).rejects.toBeInstanceOf(StoreClosedError);
    // Calls that need no lock finish; close does not, while the increments wait.
    await Promise.all(calls.slice(2));
    expect(events).toEqual([]);
    await unlink(paths.lock);
    await closing;
    await Promise.all(held);
    expect(events).toEqual(['fulfilled 1', 'fulfilled 3', 'closed']);
    await expect(store.close(), 'close again').resolves.toBeUndefined();
  });
});

describe('keys', () => {
  const fixture = useStoreFixture();

  it('refuses keys with lone surrogates with InvalidKeyError before touching any file', async () => {
    const store = fixture.open();
    const files = (store as unknown as { files: { read(): unknown; write(): unknown } }).files;
    const reads = vi.spyOn(files, 'read');
    const writes = vi.spyOn(files, 'write');
    const v = bytes('v');
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
    expect(reads).not.toHaveBeenCalled();
    expect(writes).not.toHaveBeenCalled();
    // Nothing was created either: not "fine" from the batches, not even the prefix folder.
    expect(await readdir(fixture.dir())).toEqual([]);
  });

  it('increments only canonical decimal integers ("05" and "-0" are not numeric)', async () => {
    const store = fixture.open();
    for (const stored of ['05', '-0', '+5', ' 5', '1e3', '1.0']) {
      await store.set('n', bytes(stored), HOUR);
      await expect(store.increment('n', 1, HOUR), JSON.stringify(stored)).rejects.toBeInstanceOf(
        NotNumericError,
      );
      expect(text(await store.get('n'))).toBe(stored);
    }
    await store.set('n', bytes('-1'), HOUR);
    expect(await store.increment('n', 1, HOUR)).toBe(0);
  });
});
