import { describe, expect, it } from 'vitest';
import { BYTES_ENTRY, MISS, StampedValue, isReferenceStore } from '@cache/core';
import { bytes, createStore, text } from './support.js';

describe("values: 'reference' (default)", () => {
  it('is a ReferenceStore that returns the very object stored', () => {
    const store = createStore();
    expect(store.referenceValues).toBe(true);
    expect(isReferenceStore(store)).toBe(true);
    const user = { id: 1, createdAt: new Date(0) };
    store.putValue('u', user, 0);
    const hit = store.peekValue('u') as typeof user;
    expect(hit).toBe(user);
    expect(hit.createdAt).toBeInstanceOf(Date);
    hit.id = 2; // documented: mutating the hit mutates the cache
    expect((store.peekValue('u') as typeof user).id).toBe(2);
  });

  it('keeps falsy values distinct from a miss', () => {
    const store = createStore();
    for (const [key, value] of [
      ['zero', 0],
      ['empty', ''],
      ['null', null],
      ['false', false],
    ] as const) {
      store.putValue(key, value, 0);
      expect(store.peekValue(key)).toBe(value);
    }
    expect(store.peekValue('none')).toBe(MISS);
  });

  it('reports BYTES_ENTRY for entries written as bytes', async () => {
    const store = createStore();
    await store.set('b', bytes('{"a":1}'), 0);
    expect(store.peekValue('b')).toBe(BYTES_ENTRY);
  });

  it('a by-reference value reads through the byte interface as its JSON encoding', async () => {
    const store = createStore();
    store.putValue('u', { id: 1, name: 'Ada' }, 0);
    expect(text(await store.get('u'))).toBe('{"id":1,"name":"Ada"}');
    const first = await store.get('u');
    first?.fill(0);
    expect(text(await store.get('u'))).toBe('{"id":1,"name":"Ada"}');
  });

  it('a StampedValue reads as a framed entry carrying its soft expiry', async () => {
    const store = createStore();
    store.putValue('s', new StampedValue({ a: 1 }, 1_700_000_000_000), 0);
    const raw = await store.get('s');
    expect(raw?.[0]).toBe(0x00); // frame marker
    expect(text(raw?.subarray(raw.length - 7))).toBe('{"a":1}');
  });

  it('deleteIfEquals compares a by-reference value by its encoding', async () => {
    const store = createStore();
    store.putValue('lock', 'owner-1', 0);
    expect(await store.deleteIfEquals('lock', bytes('"owner-2"'))).toBe(false);
    expect(await store.deleteIfEquals('lock', bytes('"owner-1"'))).toBe(true);
    expect(store.peekValue('lock')).toBe(MISS);
  });

  it('addValue writes only when absent', () => {
    const store = createStore();
    expect(store.addValue('k', 'first', 0)).toBe(true);
    expect(store.addValue('k', 'second', 0)).toBe(false);
    expect(store.peekValue('k')).toBe('first');
  });
});

describe("values: 'copy'", () => {
  it('is not a ReferenceStore for the facade', () => {
    const store = createStore({ values: 'copy' });
    expect(store.referenceValues).toBe(false);
    expect(isReferenceStore(store)).toBe(false);
  });

  it('keeps putValue values as JSON bytes, never the caller object', async () => {
    const store = createStore({ values: 'copy' });
    const user = { id: 1, createdAt: new Date(0) };
    store.putValue('u', user, 0);
    user.id = 2;
    expect(store.peekValue('u')).toBe(BYTES_ENTRY);
    expect(text(await store.get('u'))).toBe('{"id":1,"createdAt":"1970-01-01T00:00:00.000Z"}');
    expect(store.addValue('u', { id: 3 }, 0)).toBe(false);
    expect(store.addValue('v', { id: 3 }, 0)).toBe(true);
    expect(text(await store.get('v'))).toBe('{"id":3}');
  });
});

describe('byte isolation', () => {
  it('copies bytes on the way in and on the way out', async () => {
    const store = createStore();
    const input = bytes('abc');
    await store.set('k', input, 0);
    input[0] = 0x7a;
    const out = await store.get('k');
    expect(text(out)).toBe('abc');
    out?.fill(0x30);
    expect(text(await store.get('k'))).toBe('abc');
    const many = bytes('m');
    await store.setMany([{ key: 'm', value: many, ttl: 0 }]);
    many[0] = 0x30;
    const [read] = await store.getMany(['m']);
    expect(text(read)).toBe('m');
    const added = bytes('a');
    await store.add('a', added, 0);
    added[0] = 0x30;
    expect(text(await store.get('a'))).toBe('a');
  });

  it('does not share memory with a view into a larger buffer', async () => {
    const store = createStore();
    const backing = bytes('xxhelloxx');
    await store.set('k', backing.subarray(2, 7), 0);
    backing.fill(0x30);
    const out = await store.get('k');
    expect(text(out)).toBe('hello');
    expect(out?.byteOffset).toBe(0);
    expect(out?.buffer.byteLength).toBe(5);
  });
});
