import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { encodeEntry, encodeKey, FORMAT_VERSION } from '../src/entry-format.js';
import { keyPaths } from '../src/layout.js';
import { bytes, eventually, text, useStoreFixture } from './support/store-fixture.js';

describe('entries', () => {
  const fixture = useStoreFixture();

  it('returns a plain Uint8Array that shares nothing with the input or the store', async () => {
    const store = fixture.open();
    const input = bytes('hello');
    await store.set('k', input, 0);
    input[0] = 0x4a;
    const first = await store.get('k');
    expect(first).toBeInstanceOf(Uint8Array);
    expect(Object.getPrototypeOf(first)).toBe(Uint8Array.prototype);
    expect(text(first)).toBe('hello');
    first![0] = 0x4a;
    expect(text(await store.get('k'))).toBe('hello');
  });

  it('keeps keys that differ only in ways a careless encoding would merge', async () => {
    const store = fixture.open();
    const keys = [
      '../escape',
      '/',
      'a/b',
      'a\0b',
      'a b',
      '\uD83D\uDE80', // a surrogate pair, next to the U+FFFD a lossy encoding would produce
      '\uFFFD',
      'é', // precomposed
      'e\u0301', // decomposed
      'K'.repeat(4096),
    ];
    await Promise.all(keys.map((key, i) => store.set(key, bytes(String(i)), 0)));
    const values = await store.getMany(keys);
    expect(values.map(text)).toEqual(keys.map((_, i) => String(i)));
  });

  it('round-trips an empty value, every byte value, and 5 MiB', async () => {
    const store = fixture.open({ fsync: true });
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const big = new Uint8Array(5 * 1024 * 1024).map((_, i) => (i * 31) & 0xff);
    await store.setMany([
      { key: 'empty', value: new Uint8Array(0), ttl: 0 },
      { key: 'all', value: all, ttl: 0 },
      { key: 'big', value: big, ttl: 0 },
    ]);
    const [empty, gotAll, gotBig] = await store.getMany(['empty', 'all', 'big']);
    expect(empty).toEqual(new Uint8Array(0));
    expect(gotAll).toEqual(all);
    expect(Buffer.from(gotBig!).equals(Buffer.from(big))).toBe(true);
  });

  it('lets the later of two entries for one key in setMany win', async () => {
    const store = fixture.open();
    await store.setMany([
      { key: 'k', value: bytes('first'), ttl: 0 },
      { key: 'other', value: bytes('o'), ttl: 0 },
      { key: 'k', value: bytes('second'), ttl: 0 },
    ]);
    expect(text(await store.get('k'))).toBe('second');
  });

  it('removes an expired entry when it is read', async () => {
    const store = fixture.open();
    await store.set('short', bytes('v'), 30);
    const { entry } = keyPaths(store.directory, 'short');
    expect(text(await store.get('short'))).toBe('v');
    await eventually(async () => (await store.get('short')) === undefined);
    await expect(readFile(entry)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('writes with fsync on the file and the folder too', async () => {
    const store = fixture.open({ fsync: true, fsyncDirectory: true });
    await store.set('k', bytes('durable'), 0);
    expect(text(await store.get('k'))).toBe('durable');
  });
});

describe('damaged and foreign files', () => {
  const fixture = useStoreFixture();

  async function written(key: string, value: string) {
    const store = fixture.open();
    await store.set(key, bytes(value), 0);
    const { entry } = keyPaths(store.directory, key);
    return { store, entry, file: await readFile(entry) };
  }

  it.each([
    ['truncated by one byte', (file: Buffer) => file.subarray(0, file.length - 1)],
    [
      'one value bit flipped',
      (file: Buffer) => Buffer.concat([file.subarray(0, -1), Buffer.from([file.at(-1)! ^ 1])]),
    ],
    [
      'one header bit flipped',
      (file: Buffer) => Buffer.concat([file.subarray(0, 9), Buffer.from([file[9]! ^ 1]), file.subarray(10)]),
    ],
    [
      'a zero-filled tail',
      (file: Buffer) => Buffer.concat([file.subarray(0, 20), Buffer.alloc(file.length - 20)]),
    ],
    ['empty', () => Buffer.alloc(0)],
    ['only the magic', (file: Buffer) => file.subarray(0, 6)],
    ['one byte too long', (file: Buffer) => Buffer.concat([file, Buffer.from([0])])],
  ])('treats a file %s as a miss and removes it', async (_, damage) => {
    const { store, entry, file } = await written('k', 'a value of some length');
    await writeFile(entry, damage(file));
    expect(await store.get('k')).toBeUndefined();
    await expect(readFile(entry)).rejects.toMatchObject({ code: 'ENOENT' });
    // The key is usable again.
    expect(await store.increment('k', 2, 0)).toBe(2);
  });

  it('ignores, and never deletes, a file it did not write', async () => {
    const { store, entry } = await written('k', 'mine');
    const foreign = Buffer.from('#!/bin/sh\necho not a cache entry\n');
    await writeFile(entry, foreign);
    expect(await store.get('k')).toBeUndefined();
    expect(await store.deleteIfEquals('k', foreign)).toBe(false);
    expect(await store.prune()).toBe(0);
    expect(await readFile(entry)).toEqual(foreign);
  });

  it('ignores, and never deletes, an entry of another format version', async () => {
    const { store, entry } = await written('k', 'v');
    const future = encodeEntry(encodeKey('k'), bytes('from the future'), 0);
    future[4] = FORMAT_VERSION + 1;
    await writeFile(entry, future);
    expect(await store.get('k')).toBeUndefined();
    expect(await store.prune()).toBe(0);
    expect(await readFile(entry)).toEqual(future);
  });

  it('does not return another key’s entry found under this key’s name', async () => {
    const store = fixture.open();
    await store.set('a', bytes('value of a'), 0);
    const b = keyPaths(store.directory, 'b');
    await mkdir(b.folder, { recursive: true });
    await writeFile(b.entry, await readFile(keyPaths(store.directory, 'a').entry));
    expect(await store.get('b')).toBeUndefined();
    expect(text(await store.get('a'))).toBe('value of a');
    expect(await store.add('b', bytes('value of b'), 0)).toBe(true);
    expect(text(await store.get('b'))).toBe('value of b');
  });
});
