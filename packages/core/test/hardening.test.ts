import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  Cache,
  CacheAbortError,
  CacheTimeoutError,
  ConfigError,
  CorruptPayloadError,
  DecryptionError,
  DeadlineQueue,
  InvalidArgumentError,
  InvalidKeyError,
  NotNumericError,
  StoreLifecycle,
  assertNoRenamedOptions,
  decodeCounter,
  resolveDurationOption,
  resolvePrefix,
  utf8,
} from '../src/index.js';
import { MapStore } from './support/map-store.js';

const KEY = randomBytes(32);

/** A frame as the entry codec writes it: magic, version, flags (gzip), then the body. */
function gzipFrame(body: Uint8Array): Uint8Array {
  return Uint8Array.from([0x00, 0xca, 1, 0b0010, ...body]);
}

describe('keys (issue 10, defects 1, 5, 11)', () => {
  it('every key-taking method refuses a non-string key, undefined included', async () => {
    const cache = new Cache({ store: new MapStore() });
    const bad = [undefined, null, 42, {}, ''] as unknown as string[];
    for (const key of bad) {
      const what = String(key);
      await expect(cache.get(key), `get(${what})`).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(cache.set(key, 1), `set(${what})`).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(cache.add(key, 1), `add(${what})`).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(cache.delete(key), `delete(${what})`).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(cache.pull(key), `pull(${what})`).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(cache.increment(key), `increment(${what})`).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(
        cache.remember(key, '1m', () => 1),
        `remember(${what})`,
      ).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(cache.tryLock(key, '1m'), `tryLock(${what})`).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(
        cache.withLock(key, '1m', () => 1),
        `withLock(${what})`,
      ).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(cache.rateLimit(key, 5, '1m'), `rateLimit(${what})`).rejects.toBeInstanceOf(
        InvalidKeyError,
      );
      await expect(cache.getMany([key]), `getMany([${what}])`).rejects.toBeInstanceOf(InvalidKeyError);
    }
  });

  it('keys with lone surrogates or the reserved U+001F start are refused', async () => {
    const store = new MapStore();
    const cache = new Cache({ store });
    for (const key of ['\uD800x', 'x\uDC00', '\u001flock:x']) {
      await expect(cache.set(key, 1)).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(cache.get(key)).rejects.toBeInstanceOf(InvalidKeyError);
    }
    expect(store.rows.size).toBe(0);
  });

  it('user keys cannot reach locks, rate windows or refresh locks', async () => {
    const store = new MapStore();
    const cache = new Cache({ store });
    await cache.set('lock:x', 'user value');
    const lock = await cache.tryLock('x', '1m');
    expect(lock, 'a user key "lock:x" does not block tryLock("x")').toBeDefined();
    expect(await cache.get('lock:x'), 'the user value is untouched by the lock').toBe('user value');
    await cache.rateLimit('api', 10, '1m');
    expect([...store.rows.keys()].filter((k) => k.startsWith('rate:'))).toEqual([]);
    await expect(cache.get('rate:api')).resolves.toBeUndefined();
    await lock?.release();
  });

  it('Lock.extend keeps an owned lock alive and refuses one it lost', async () => {
    const store = new MapStore();
    const cache = new Cache({ store });
    const lock = await cache.tryLock('job', 50);
    expect(lock).toBeDefined();
    expect(await lock?.extend('10m')).toBe(true);
    // Polling past the original 50 ms: still held.
    const deadline = Date.now() + 120;
    while (Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(await cache.tryLock('job', '1m'), 'still held after the first TTL').toBeUndefined();
    expect(await lock?.release()).toBe(true);
    const other = await cache.tryLock('job', '1m');
    expect(await lock?.extend('1m'), 'extend after release').toBe(false);
    expect(await cache.tryLock('job', '1m'), 'the other owner keeps it').toBeUndefined();
    await other?.release();
  });
});

describe('decompression bombs (defect 3)', () => {
  it('an entry that inflates past maxDecompressedBytes is a CorruptPayloadError', async () => {
    const store = new MapStore();
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20)); // ~64 KiB that inflates to 64 MiB
    expect(bomb.byteLength).toBeLessThan(100_000);
    store.rows.set('bomb', { value: gzipFrame(bomb), expiresAt: 0 });
    const cache = new Cache({ store, maxDecompressedBytes: 1024 * 1024 });
    await expect(cache.get('bomb')).rejects.toBeInstanceOf(CorruptPayloadError);
    await expect(cache.get('bomb')).rejects.toThrow(/maxDecompressedBytes/);
  });

  it('a small body that inflates past 256 KiB is finished off the event loop, within the limit', async () => {
    const store = new MapStore();
    const json = utf8(JSON.stringify('x'.repeat(2 * 1024 * 1024)));
    const body = gzipSync(json);
    expect(body.byteLength).toBeLessThan(16 * 1024);
    store.rows.set('big', { value: gzipFrame(body), expiresAt: 0 });
    const cache = new Cache({ store });
    const read = cache.get<string>('big');
    expect((await read)?.length).toBe(2 * 1024 * 1024);
  });

  it('validates maxDecompressedBytes', () => {
    expect(() => new Cache({ store: new MapStore(), maxDecompressedBytes: 0 })).toThrow(ConfigError);
  });
});

describe('requireEncryption (defect 4)', () => {
  it('refuses plain and unencrypted-frame entries by default; counters still read', async () => {
    const store = new MapStore();
    const plain = new Cache({ store });
    await plain.set('planted', { admin: true });
    await plain.set('stamped', 1);
    await plain.increment('hits', 3);
    const cache = new Cache({ store, encryption: { key: KEY } });
    await expect(cache.get('planted')).rejects.toBeInstanceOf(DecryptionError);
    store.rows.set('frame', { value: Uint8Array.from([0x00, 0xca, 1, 0, ...utf8('1')]), expiresAt: 0 });
    await expect(cache.get('frame')).rejects.toBeInstanceOf(DecryptionError);
    expect(await cache.get('hits')).toBe(3);
    await cache.set('mine', { ok: 1 });
    expect(await cache.get('mine')).toEqual({ ok: 1 });
    const migrating = new Cache({ store, encryption: { key: KEY, requireEncryption: false } });
    expect(await migrating.get('planted')).toEqual({ admin: true });
  });
});

describe('aborts and timeouts say whether a write may have been applied (defect 9)', () => {
  it('an already-aborted signal: nothing sent, maybeApplied false', async () => {
    const store = new MapStore();
    const cache = new Cache({ store });
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    const error = await cache.increment('n', 1, '1m', { signal: controller.signal }).catch((e) => e);
    expect(error).toBeInstanceOf(CacheAbortError);
    expect(error).toMatchObject({ name: 'AbortError', maybeApplied: false, code: 'CACHE_ABORTED' });
    expect(store.count('increment')).toBe(0);
  });

  it('an abort after the write was sent: maybeApplied true; a read: false', async () => {
    const store = new MapStore();
    store.latencyMs = 30;
    const cache = new Cache({ store });
    const controller = new AbortController();
    const write = cache.increment('n', 1, '1m', { signal: controller.signal }).catch((e) => e);
    const read = cache.get('n', { signal: controller.signal }).catch((e) => e);
    controller.abort(new Error('shutdown'));
    expect(await write).toMatchObject({ code: 'CACHE_ABORTED', maybeApplied: true });
    expect(await read).toMatchObject({ code: 'CACHE_ABORTED', maybeApplied: false });
    const timedOut = await cache.set('k', 1, '1m', { timeout: 5 }).catch((e) => e);
    expect(timedOut).toBeInstanceOf(CacheTimeoutError);
    expect(timedOut.maybeApplied).toBe(true);
  });
});

describe('typed errors for bad arguments and config (defect 10)', () => {
  it('bad call arguments', async () => {
    const cache = new Cache({ store: new MapStore() });
    await expect(cache.get('k', { signal: 'nope' as never })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(cache.get('k', 'nope' as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(cache.remember('k', '1m', 'nope' as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(cache.rememberStale('k', '1m', '1m', 5 as never)).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(cache.refreshAhead('k', '1m', '1s', null as never)).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(cache.lock('k', '1m', { signal: {} as never })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('bad config', () => {
    expect(() => new Cache({ store: {} as never })).toThrow(ConfigError);
    expect(() => new Cache({ store: { get() {} } as never })).toThrow(/missing getMany/);
    expect(() => new Cache({ store: new MapStore(), defaultTtl: -5 })).toThrow(ConfigError);
    expect(() => new Cache({ store: new MapStore(), defaultTtl: 0 })).toThrow(ConfigError);
    expect(() => new Cache({ store: new MapStore(), defaultTtl: 'soon' as never })).toThrow(ConfigError);
    expect(
      () => new Cache({ store: new MapStore(), encryption: { key: KEY, previousKeys: 'abc' as never } }),
    ).toThrow(ConfigError);
    expect(new Cache({ store: new MapStore(), defaultTtl: 'forever' })).toBeInstanceOf(Cache);
  });
});

describe('shared driver helpers', () => {
  it('decodeCounter accepts only canonical decimal integers', () => {
    for (const [text, value] of [
      ['0', 0],
      ['-12', -12],
      ['9007199254740991', 9007199254740991],
    ] as const) {
      expect(decodeCounter('k', utf8(text))).toBe(value);
    }
    for (const text of ['05', '-0', '+5', ' 5', '1e3', '1.0', '', '99999999999999999']) {
      expect(() => decodeCounter('k', utf8(text)), text).toThrow(NotNumericError);
    }
  });

  it('resolvePrefix and resolveDurationOption raise ConfigError', () => {
    expect(() => resolvePrefix(undefined, { driver: 'X', required: true })).toThrow(/needs a prefix/);
    expect(resolvePrefix(undefined, { driver: 'X', required: false, fallback: 'app' })).toBe('app');
    expect(() => resolvePrefix('a\uD800', { driver: 'X', required: true })).toThrow(ConfigError);
    expect(() => resolvePrefix('', { driver: 'X', required: true })).toThrow(ConfigError);
    expect(resolveDurationOption('2s', 'timeout', 5)).toBe(2000);
    expect(resolveDurationOption(undefined, 'timeout', 5)).toBe(5);
    expect(resolveDurationOption(0, 'pruneInterval', 5, true)).toBe(0);
    expect(() => resolveDurationOption(-1, 'timeout', 5)).toThrow(ConfigError);
    expect(() => assertNoRenamedOptions({ timeoutMs: 5 }, { timeoutMs: 'timeout' }, 'X')).toThrow(
      /now called/,
    );
  });

  it('StoreLifecycle: close waits for calls in flight and refuses new ones', async () => {
    const life = new StoreLifecycle('test');
    let finish: () => void = () => {};
    const call = life.run(() => new Promise<string>((r) => (finish = () => r('done'))));
    let released = 0;
    const closing = life.close(() => {
      released++;
    });
    await expect(life.run(async () => 1)).rejects.toMatchObject({ code: 'CACHE_STORE_CLOSED' });
    expect(released, 'not released while a call is in flight').toBe(0);
    finish();
    expect(await call).toBe('done');
    await closing;
    expect(released).toBe(1);
    await life.close(() => {
      released++;
    });
    expect(released, 'close is idempotent').toBe(1);
  });

  it('DeadlineQueue: one timer times out the slow calls and passes the fast ones', async () => {
    const queue = new DeadlineQueue(30);
    const never = new Promise<never>(() => {});
    const slow = queue.track(never, () => new CacheTimeoutError('op', 30)).catch((e) => e);
    const fast = queue.track(Promise.resolve('ok'), () => new CacheTimeoutError('op', 30));
    expect(await fast).toBe('ok');
    expect(await slow).toBeInstanceOf(CacheTimeoutError);
    expect(queue.pending).toBe(0);
    const a = queue.track(never, () => new Error('a')).catch((e) => e);
    queue.rejectAll(() => new Error('closed'));
    expect((await a).message).toBe('closed');
  });
});
