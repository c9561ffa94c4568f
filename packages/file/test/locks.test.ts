import { mkdir, readFile, unlink, utimes, writeFile } from 'node:fs/promises';
import { CacheTimeoutError } from '@cache/core';
import { describe, expect, it } from 'vitest';
import { FileLocks } from '../src/file-lock.js';
import { HOST_TAG } from '../src/host-identity.js';
import { KeyedMutex } from '../src/keyed-mutex.js';
import { keyPaths } from '../src/layout.js';
import { bytes, deadPid, eventually, text, useStoreFixture } from './support/store-fixture.js';

function owner(pid: number, host = HOST_TAG): string {
  return JSON.stringify({ host, pid, token: 'someone-else', at: Date.now() });
}

async function exists(path: string): Promise<boolean> {
  return readFile(path).then(
    () => true,
    () => false,
  );
}

describe('cross-process key locks', () => {
  const fixture = useStoreFixture();

  async function plantLock(store: { directory: string }, key: string, content: string) {
    const paths = keyPaths(store.directory, key);
    await mkdir(paths.folder, { recursive: true });
    await writeFile(paths.lock, content);
    return paths;
  }

  it('times out with a CacheTimeoutError while a live process holds the lock', async () => {
    const store = fixture.open({ lockTimeout: 150 });
    const paths = await plantLock(store, 'k', owner(process.pid));
    const started = performance.now();
    const error = await store.add('k', bytes('v'), 0).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CacheTimeoutError);
    expect((error as CacheTimeoutError).code).toBe('CACHE_TIMEOUT');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    // Not broken, not written.
    expect(await readFile(paths.lock, 'utf8')).toContain('someone-else');
    expect(await store.get('k')).toBeUndefined();
  });

  it('breaks at once the lock of a local process that has exited', async () => {
    const store = fixture.open({ lockTimeout: 5_000 });
    const paths = await plantLock(store, 'k', owner(deadPid()));
    const started = performance.now();
    expect(await store.increment('k', 1, 0)).toBe(1);
    expect(performance.now() - started).toBeLessThan(1_000);
    // Callers are answered once the value is written; the lock file goes right after.
    await eventually(async () => !(await exists(paths.lock)));
  });

  it('breaks a lock of another host once it is older than staleLockAge', async () => {
    const store = fixture.open({ staleLockAge: 300, lockTimeout: 5_000 });
    await plantLock(store, 'k', owner(1, 'eeeeeeee'));
    const started = performance.now();
    expect(await store.add('k', bytes('v'), 0)).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('breaks a lock without an owner record (creator died before writing it) after a short grace', async () => {
    const store = fixture.open({ staleLockAge: 60_000, lockTimeout: 300 });
    const threeSecondsAgo = new Date(Date.now() - 3_000);
    const empty = await plantLock(store, 'empty', '');
    await utimes(empty.lock, threeSecondsAgo, threeSecondsAgo);
    const owned = await plantLock(store, 'owned', owner(1, 'eeeeeeee'));
    await utimes(owned.lock, threeSecondsAgo, threeSecondsAgo);

    expect(await store.deleteIfEquals('empty', bytes('v'))).toBe(false);
    expect(await exists(empty.lock)).toBe(false);
    // Same age, but owned by another host's process: only staleLockAge may break it.
    await expect(store.deleteIfEquals('owned', bytes('v'))).rejects.toBeInstanceOf(CacheTimeoutError);
    expect(await exists(owned.lock)).toBe(true);
  });

  it('lets many waiters race to break one abandoned lock without losing an update', async () => {
    await plantLock(fixture.open(), 'n', owner(deadPid()));
    const stores = Array.from({ length: 4 }, () => fixture.open({ lockTimeout: 5_000 }));
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => stores[i % stores.length]!.increment('n', 1, 0)),
    );
    expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('stops waiting when the signal aborts, and the key stays usable', async () => {
    const store = fixture.open({ lockTimeout: 10_000 });
    const paths = await plantLock(store, 'k', owner(process.pid));
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    const pending = store.add('k', bytes('v'), 0, { signal: controller.signal });
    const queued = store.add('k', bytes('w'), 0);
    setTimeout(() => controller.abort(reason), 30);
    await expect(pending).rejects.toBe(reason);
    // The holder releases: the caller queued behind the aborted one proceeds.
    await unlink(paths.lock);
    expect(await queued).toBe(true);
    expect(text(await store.get('k'))).toBe('w');
  });

  it('makes add and deleteIfEquals atomic between two stores of one process', async () => {
    const [a, b] = [fixture.open(), fixture.open()];
    const adds = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).add('once', bytes(`v${i}`), 0)),
    );
    expect(adds.filter(Boolean)).toHaveLength(1);
    const winner = (await a.get('once'))!;
    const deletes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).deleteIfEquals('once', winner)),
    );
    expect(deletes.filter(Boolean)).toHaveLength(1);
    expect(await b.get('once')).toBeUndefined();
  });
});

describe('FileLocks', () => {
  const fixture = useStoreFixture();

  function locks(staleMs: number) {
    const reported: unknown[] = [];
    const instance = new FileLocks({
      staleMs,
      timeoutMs: 1_000,
      fileMode: 0o600,
      ensureFolder: (folder) => mkdir(folder, { recursive: true }).then(() => undefined),
      report: (error) => reported.push(error),
    });
    return { instance, reported };
  }

  it('after a hold longer than half of staleMs, releases only its own lock', async () => {
    const { instance, reported } = locks(60);
    const paths = keyPaths(fixture.dir(), 'k');
    const held = await instance.acquire(paths, 'test');
    await eventually(() => performance.now() - held.acquiredAt > 40);
    // Meanwhile it was judged abandoned and someone else took the key.
    await writeFile(paths.lock, owner(process.pid));
    await instance.release(held);
    expect(await readFile(paths.lock, 'utf8')).toContain('someone-else');
    expect(reported).toEqual([]);
  });

  it('after a short hold, releases with a plain unlink', async () => {
    const { instance } = locks(10_000);
    const paths = keyPaths(fixture.dir(), 'k');
    const held = await instance.acquire(paths, 'test');
    expect(await readFile(paths.lock, 'utf8')).toContain(held.token);
    await instance.release(held);
    expect(await exists(paths.lock)).toBe(false);
  });

  it('does not break a live lock', async () => {
    const { instance } = locks(10_000);
    const paths = keyPaths(fixture.dir(), 'k');
    await mkdir(paths.folder, { recursive: true });
    await writeFile(paths.lock, owner(process.pid));
    expect(await instance.breakIfStale(paths)).toBe('live');
    expect(await instance.tryAcquire(paths)).toBeUndefined();
    expect(await exists(paths.lock)).toBe(true);
  });
});

describe('KeyedMutex', () => {
  it('queues holders in order and hands a timed-out waiter’s turn on', async () => {
    const mutex = new KeyedMutex();
    const order: string[] = [];
    const first = await mutex.lock('k', performance.now() + 1_000, () => new Error('timeout'));
    const impatient = mutex.lock('k', performance.now() + 20, () => new Error('impatient timed out'));
    const patient = mutex
      .lock('k', performance.now() + 1_000, () => new Error('timeout'))
      .then((release) => {
        order.push('patient');
        return release;
      });
    await expect(impatient).rejects.toThrow('impatient timed out');
    expect(mutex.tryLock('k')).toBeUndefined();
    order.push('first releases');
    first();
    (await patient)();
    expect(order).toEqual(['first releases', 'patient']);
    expect(mutex.size).toBe(0);
  });
});
