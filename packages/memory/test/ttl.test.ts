import { describe, expect, it, vi } from 'vitest';
import { MISS } from '@cache/core';
import { bytes, createStore, text, untilAfter } from './support.js';

describe('TTL', () => {
  it('a byte entry is readable before its TTL and gone after it', async () => {
    const store = createStore();
    const before = Date.now();
    await store.set('k', bytes('v'), 30);
    await store.set('forever', bytes('f'), 0);
    if (Date.now() < before + 30) expect(text(await store.get('k'))).toBe('v');
    await untilAfter(before + 31);
    expect(await store.get('k')).toBeUndefined();
    expect(await store.getMany(['k', 'forever']).then((values) => values.map(text))).toEqual([
      undefined,
      'f',
    ]);
    expect(store.size).toBe(1); // the expired read deleted it
  });

  it('a by-reference entry expires for peekValue and deletes itself', async () => {
    const store = createStore();
    const value = { id: 1 };
    store.putValue('k', value, 20);
    await vi.waitFor(() => expect(store.peekValue('k')).toBe(MISS), { timeout: 2000, interval: 5 });
    expect(store.size).toBe(0);
  });

  it('add and addValue treat an expired entry as absent', async () => {
    const store = createStore();
    await store.set('k', bytes('old'), 10);
    expect(await store.add('k', bytes('new'), 0)).toBe(false);
    await untilAfter(Date.now() + 11);
    expect(await store.add('k', bytes('new'), 0)).toBe(true);
    expect(text(await store.get('k'))).toBe('new');

    store.putValue('r', 'old', 10);
    expect(store.addValue('r', 'new', 0)).toBe(false);
    await untilAfter(Date.now() + 11);
    expect(store.addValue('r', 'new', 0)).toBe(true);
    expect(store.peekValue('r')).toBe('new');
  });

  it('an overwrite replaces the TTL', async () => {
    const store = createStore();
    await store.set('k', bytes('v'), 10);
    await store.set('k', bytes('v2'), 0);
    await untilAfter(Date.now() + 11);
    expect(text(await store.get('k'))).toBe('v2');
  });

  it('deleteIfEquals does not match an expired entry', async () => {
    const store = createStore();
    await store.set('k', bytes('v'), 10);
    await untilAfter(Date.now() + 11);
    expect(await store.deleteIfEquals('k', bytes('v'))).toBe(false);
    expect(store.size).toBe(0);
  });

  it('rejects a negative or non-finite TTL with InvalidTtlError', async () => {
    const store = createStore();
    await expect(store.set('k', bytes('v'), -1)).rejects.toMatchObject({ code: 'CACHE_INVALID_TTL' });
    await expect(store.set('k', bytes('v'), Number.NaN)).rejects.toMatchObject({ code: 'CACHE_INVALID_TTL' });
    expect(() => store.putValue('k', 1, Number.POSITIVE_INFINITY)).toThrow(
      expect.objectContaining({ code: 'CACHE_INVALID_TTL' }),
    );
    await expect(
      store.setMany([
        { key: 'a', value: bytes('a'), ttl: 0 },
        { key: 'b', value: bytes('b'), ttl: -5 },
      ]),
    ).rejects.toMatchObject({ code: 'CACHE_INVALID_TTL' });
    expect(store.size).toBe(0); // the batch was rejected as a whole
  });
});

describe('sweep', () => {
  it('removes expired entries that nobody reads', async () => {
    const store = createStore({ pruneInterval: '10ms' });
    for (let i = 0; i < 100; i++) await store.set(`short${i}`, bytes('v'), 20);
    for (let i = 0; i < 5; i++) store.putValue(`keep${i}`, i, 0);
    expect(store.size).toBe(105);
    await vi.waitFor(() => expect(store.size).toBe(5), { timeout: 3000, interval: 10 });
    expect(store.peekValue('keep3')).toBe(3);
  });

  it('examines at most pruneLimit entries per step and resumes where it stopped', async () => {
    const store = createStore({ pruneLimit: 10 });
    for (let i = 0; i < 25; i++) await store.set(`k${i}`, bytes('v'), 5);
    await untilAfter(Date.now() + 6);
    expect(store.prune()).toBe(10);
    expect(store.size).toBe(15);
    expect(await store.get('k9')).toBeUndefined();
    expect(store.size).toBe(15); // k9 was already swept: the read removed nothing
    expect(store.prune()).toBe(10);
    expect(store.prune()).toBe(5); // reaches the end
    expect(store.size).toBe(0);
  });

  it('wraps around to the start after reaching the end', async () => {
    const store = createStore({ pruneLimit: 4 });
    await store.set('a', bytes('v'), 0);
    await store.set('b', bytes('v'), 5);
    expect(store.prune()).toBe(0); // nothing expired yet, cursor reaches the end
    await store.set('c', bytes('v'), 5);
    await untilAfter(Date.now() + 6);
    expect(store.prune()).toBe(2);
    expect(store.size).toBe(1);
  });

  it('does not sweep entries that are not expired, and survives a flush mid-walk', async () => {
    const store = createStore({ pruneLimit: 2 });
    for (let i = 0; i < 5; i++) await store.set(`k${i}`, bytes('v'), 60_000);
    expect(store.prune()).toBe(0);
    await store.flush();
    await store.set('x', bytes('v'), 5);
    await untilAfter(Date.now() + 6);
    expect(store.prune()).toBe(1);
    expect(store.size).toBe(0);
  });

  it('pruneInterval 0 starts no timer: expired entries stay until read', async () => {
    const store = createStore({ pruneInterval: 0 });
    await store.set('k', bytes('v'), 5);
    await untilAfter(Date.now() + 30);
    expect(store.size).toBe(1);
    expect(await store.get('k')).toBeUndefined();
    expect(store.size).toBe(0);
  });
});
