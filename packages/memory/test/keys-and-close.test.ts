import { describe, expect, it } from 'vitest';
import { Cache, MISS } from '@cache/core';
import { MemoryStore } from '../src/index.js';
import { bytes, createStore, text } from './support.js';

const invalidKey = { code: 'CACHE_INVALID_KEY', name: 'InvalidKeyError' };
const closed = { code: 'CACHE_STORE_CLOSED', name: 'StoreClosedError' };
const BAD_KEYS: [string, unknown][] = [
  ['a lone high surrogate', '\uD800x'],
  ['a lone low surrogate', 'x\uDFFF'],
  ['the empty string', ''],
  ['a number', 42],
];

describe('keys go through assertStoreKey', () => {
  it.each(BAD_KEYS)('%s is refused by every operation, by-reference ones included', async (_, bad) => {
    const key = bad as string;
    const store = createStore();
    await expect(store.get(key)).rejects.toMatchObject(invalidKey);
    await expect(store.getMany(['ok', key])).rejects.toMatchObject(invalidKey);
    await expect(store.set(key, bytes('v'), 0)).rejects.toMatchObject(invalidKey);
    await expect(store.setMany([{ key, value: bytes('v'), ttl: 0 }])).rejects.toMatchObject(invalidKey);
    await expect(store.add(key, bytes('v'), 0)).rejects.toMatchObject(invalidKey);
    await expect(store.increment(key, 1, 0)).rejects.toMatchObject(invalidKey);
    await expect(store.delete(key)).rejects.toMatchObject(invalidKey);
    await expect(store.deleteMany(['ok', key])).rejects.toMatchObject(invalidKey);
    await expect(store.deleteIfEquals(key, bytes('v'))).rejects.toMatchObject(invalidKey);
    expect(() => store.peekValue(key)).toThrow(expect.objectContaining(invalidKey));
    expect(() => store.putValue(key, 1, 0)).toThrow(expect.objectContaining(invalidKey));
    expect(() => store.addValue(key, 1, 0)).toThrow(expect.objectContaining(invalidKey));
    expect(store.size).toBe(0);
  });

  it('the Cache fast path over this store refuses them too (peekValue checks a miss)', async () => {
    const cache = new Cache({ store: createStore() });
    await expect(cache.get('\uD800x')).rejects.toMatchObject(invalidKey);
    await expect(cache.set('\uD800x', 1)).rejects.toMatchObject(invalidKey);
    await cache.set('ok', 1);
    expect(await cache.get('ok')).toBe(1);
  });

  it('a batch with one bad key writes or deletes nothing', async () => {
    const store = createStore();
    await store.set('keep', bytes('v'), 0);
    await expect(
      store.setMany([
        { key: 'a', value: bytes('a'), ttl: 0 },
        { key: '\uDC00', value: bytes('b'), ttl: 0 },
      ]),
    ).rejects.toMatchObject(invalidKey);
    await expect(store.deleteMany(['keep', '\uD800'])).rejects.toMatchObject(invalidKey);
    expect(store.size).toBe(1);
    expect(text(await store.get('keep'))).toBe('v');
  });

  it('well-formed surrogate pairs and unusual characters are fine keys', async () => {
    const store = createStore();
    for (const key of ['🔑', 'a\u0000b', ' ', '\uD83D\uDE00']) {
      store.putValue(key, key, 0);
      expect(store.peekValue(key)).toBe(key);
    }
    expect(store.peekValue('🔒')).toBe(MISS);
  });
});

describe('close follows core StoreLifecycle', () => {
  it('returns the same promise every time and drops every entry', async () => {
    const store = new MemoryStore({ pruneInterval: 5 });
    store.putValue('k', 1, 0);
    const first = store.close();
    expect(store.close()).toBe(first);
    await first;
    expect(store.size).toBe(0);
    expect((store as unknown as { timer: unknown }).timer).toBeUndefined();
  });

  it('refuses every call from the moment close() is called, before it resolves', async () => {
    const store = new MemoryStore();
    await store.set('k', bytes('v'), 0);
    const closing = store.close();
    expect(() => store.peekValue('k')).toThrow(expect.objectContaining(closed));
    expect(() => store.putValue('k', 1, 0)).toThrow(expect.objectContaining(closed));
    expect(() => store.addValue('n', 1, 0)).toThrow(expect.objectContaining(closed));
    await expect(store.get('k')).rejects.toMatchObject(closed);
    await expect(store.increment('n', 1, 0)).rejects.toMatchObject(closed);
    await closing;
    // A closed store refuses before it looks at the arguments.
    expect(() => store.peekValue('\uD800')).toThrow(expect.objectContaining(closed));
  });

  it('calls started before close() settle normally, then close resolves', async () => {
    const store = new MemoryStore();
    const calls = Array.from({ length: 50 }, (_, i) =>
      i % 2 === 0 ? store.set(`k${i}`, bytes('v'), 0) : store.increment('n', 1, 0),
    );
    const closing = store.close();
    const settled = await Promise.allSettled(calls);
    await closing;
    expect(settled.every((result) => result.status === 'fulfilled')).toBe(true);
    expect(await Promise.allSettled([store.get('k0')])).toMatchObject([
      { status: 'rejected', reason: closed },
    ]);
  });
});
