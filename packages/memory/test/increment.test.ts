import { describe, expect, it } from 'vitest';
import { BYTES_ENTRY } from '@cache/core';
import { bytes, createStore, text, untilAfter } from './support.js';

describe('increment', () => {
  it('starts a missing key at 0 and stores ASCII decimal bytes', async () => {
    const store = createStore();
    expect(await store.increment('n', 5, 0)).toBe(5);
    expect(await store.increment('n', -7, 0)).toBe(-2);
    expect(text(await store.get('n'))).toBe('-2');
    expect(store.peekValue('n')).toBe(BYTES_ENTRY);
  });

  it('uses a by-reference safe integer', async () => {
    const store = createStore();
    store.putValue('n', 41, 0);
    expect(await store.increment('n', 1, 0)).toBe(42);
    expect(text(await store.get('n'))).toBe('42');
  });

  it('reads a counter written as bytes', async () => {
    const store = createStore();
    await store.set('n', bytes('100'), 0);
    expect(await store.increment('n', 1, 0)).toBe(101);
  });

  it('rejects non-numeric values with NotNumericError and leaves them alone', async () => {
    const store = createStore();
    const notNumeric = { code: 'CACHE_NOT_NUMERIC', name: 'NotNumericError' };
    await store.set('text', bytes('abc'), 0);
    await store.set('float', bytes('1.5'), 0);
    await store.set('bad-utf8', Uint8Array.of(0xff, 0x31), 0);
    store.putValue('ref-float', 1.5, 0);
    store.putValue('ref-string', '12', 0);
    store.putValue('ref-object', { n: 1 }, 0);
    store.putValue('ref-huge', Number.MAX_SAFE_INTEGER + 1, 0);
    for (const key of ['text', 'float', 'bad-utf8', 'ref-float', 'ref-string', 'ref-object', 'ref-huge']) {
      await expect(store.increment(key, 1, 0), key).rejects.toMatchObject(notNumeric);
    }
    expect(text(await store.get('text'))).toBe('abc');
    expect(store.peekValue('ref-object')).toEqual({ n: 1 });
  });

  it('rejects a result outside the safe integer range without writing it', async () => {
    const store = createStore();
    await store.set('n', bytes(String(Number.MAX_SAFE_INTEGER)), 0);
    await expect(store.increment('n', 1, 0)).rejects.toMatchObject({ code: 'CACHE_NOT_NUMERIC' });
    expect(text(await store.get('n'))).toBe(String(Number.MAX_SAFE_INTEGER));
    expect(await store.increment('n', -1, 0)).toBe(Number.MAX_SAFE_INTEGER - 1);
  });

  it('rejects a delta that is not a safe integer', async () => {
    const store = createStore();
    await expect(store.increment('n', 0.5, 0)).rejects.toMatchObject({ code: 'CACHE_INVALID_VALUE' });
    await expect(store.increment('n', Number.NaN, 0)).rejects.toMatchObject({ code: 'CACHE_INVALID_VALUE' });
    expect(store.size).toBe(0);
  });

  it('refreshes the TTL, and ttl 0 removes the expiry', async () => {
    const store = createStore();
    await store.increment('n', 1, 15);
    const refreshed = Date.now();
    await store.increment('n', 1, 60_000);
    await untilAfter(refreshed + 16);
    expect(await store.increment('n', 1, 0)).toBe(3);

    await store.increment('short', 1, 10);
    await untilAfter(Date.now() + 11);
    expect(await store.increment('short', 1, 10)).toBe(1); // expired: started again at 0
  });

  it('is consistent under many concurrent increments', async () => {
    const store = createStore();
    const results = await Promise.all(Array.from({ length: 200 }, () => store.increment('n', 1, 0)));
    expect(new Set(results).size).toBe(200);
    expect(Math.max(...results)).toBe(200);
  });
});
