import type { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { encodePrefix, keyNamespace, keySlot, type RedisStore } from '../src/index.js';
import { bytes, clusterNodes, openRaw, openStore, text, uniquePrefix } from './support.js';

describe('encodePrefix', () => {
  it('percent-encodes % : * ? [ ] \\ { } and nothing else', () => {
    expect(encodePrefix('a%b:c*d?e[f]g\\h{i}j')).toBe('a%25b%3Ac%2Ad%3Fe%5Bf%5Dg%5Ch%7Bi%7Dj');
    // Everything else is kept, so these prefixes keep their key names of earlier versions.
    expect(encodePrefix('shop-v2_ünï /.@#')).toBe('shop-v2_ünï /.@#');
  });

  it('is injective on prefixes that nest or look encoded', () => {
    const prefixes = ['a', 'a:b', 'a%3Ab', 'a%b', 'a*', 'ab', '{a}', '%7Ba%7D', 'a:', 'a::'];
    const encoded = prefixes.map(encodePrefix);
    expect(new Set(encoded).size).toBe(prefixes.length);
    for (const value of encoded) expect(value).not.toMatch(/[:*?[\]\\{}]/);
  });

  it('gives plain and hash-tagged layouts disjoint namespaces', () => {
    expect(keyNamespace('app', false)).toBe('app:');
    expect(keyNamespace('app', true)).toBe('{app}:');
    expect(keyNamespace('{app}', false)).toBe('%7Bapp%7D:');
    expect(keyNamespace('a:b', true)).toBe('{a%3Ab}:');
  });
});

/** Stores on prefixes P, P:b, P*, Pb and P%3Ab, every one holding keys that spell the others'. */
async function nestedStores(open: (prefix: string) => RedisStore): Promise<Map<string, RedisStore>> {
  const base = uniquePrefix('nest');
  const stores = new Map<string, RedisStore>();
  for (const prefix of [base, `${base}:b`, `${base}*`, `${base}b`, `${base}%3Ab`]) {
    const store = open(prefix);
    await store.setMany(
      ['k', 'b:k', '*', ':k'].map((key) => ({ key, value: bytes(`${prefix}/${key}`), ttl: 60_000 })),
    );
    stores.set(prefix, store);
  }
  return stores;
}

async function expectApartAndFlushedAlone(stores: Map<string, RedisStore>): Promise<void> {
  const keys = ['k', 'b:k', '*', ':k'];
  for (const [prefix, store] of stores) {
    expect((await store.getMany(keys)).map(text), prefix).toEqual(keys.map((key) => `${prefix}/${key}`));
  }
  const entries = [...stores];
  for (const [index, [prefix, store]] of entries.entries()) {
    await store.flush();
    expect(await store.getMany(keys), `${prefix} after its flush`).toEqual(keys.map(() => undefined));
    for (const [other, survivor] of entries.slice(index + 1)) {
      expect((await survivor.getMany(keys)).map(text), `${other} after flushing ${prefix}`).toEqual(
        keys.map((key) => `${other}/${key}`),
      );
    }
  }
}

describe('prefixes on a standalone Redis', () => {
  it('keeps the exact key names of a prefix without special characters', async () => {
    const raw = openRaw();
    const store = openStore({ prefix: uniquePrefix('plain') });
    await store.set('user:1', bytes('ada'), 60_000);
    expect(await raw.get(`${store.prefix}:user:1`)).toBe('ada');
  });

  it('stores a prefix holding ":" encoded, so the first ":" ends the prefix', async () => {
    const raw = openRaw();
    const base = uniquePrefix('colon');
    const outer = openStore({ prefix: base });
    const inner = openStore({ prefix: `${base}:b` });
    await inner.set('k', bytes('inner'), 60_000);
    expect(await raw.get(`${base}%3Ab:k`)).toBe('inner');
    // Before the fix, the outer store read the inner one's key as its own "b:k".
    expect(await outer.get('b:k')).toBeUndefined();
    await outer.set('b:k', bytes('outer'), 60_000);
    expect(text(await inner.get('k'))).toBe('inner');
    await outer.flush();
    expect(text(await inner.get('k'))).toBe('inner');
    expect(await outer.get('b:k')).toBeUndefined();
  });

  it('never lets P, P:b, P*, Pb and P%3Ab read or flush each other', async () => {
    await expectApartAndFlushedAlone(await nestedStores((prefix) => openStore({ prefix })));
  });

  it('with hashTag stores {<prefix>}:<key> and flushes only its own keys', async () => {
    const raw = openRaw();
    const base = uniquePrefix('tag');
    const tagged = openStore({ prefix: base, hashTag: true });
    const plain = openStore({ prefix: base });
    await tagged.set('k', bytes('tagged'), 60_000);
    await plain.set('k', bytes('plain'), 60_000);
    expect(await raw.get(`{${base}}:k`)).toBe('tagged');
    expect(await raw.get(`${base}:k`)).toBe('plain');
    await tagged.flush();
    expect(await tagged.get('k')).toBeUndefined();
    expect(text(await plain.get('k'))).toBe('plain');
  });
});

describe.runIf(clusterNodes.length > 0)('prefixes on a Redis Cluster', () => {
  it('never lets P, P:b, P*, Pb and P%3Ab read or flush each other', async () => {
    await expectApartAndFlushedAlone(await nestedStores((prefix) => openStore({ clusterNodes, prefix })));
  });

  it('with hashTag keeps every key of the prefix in one slot, as the server computes it', async () => {
    const store = openStore({ clusterNodes, prefix: uniquePrefix('tag:x'), hashTag: true });
    const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
    await store.setMany(keys.map((key) => ({ key, value: bytes(key), ttl: 60_000 })));
    expect((await store.getMany(keys)).map(text)).toEqual(keys);
    const cluster = store.client as Cluster;
    const namespace = keyNamespace(store.prefix, true);
    const slots = new Set<number>();
    for (const key of keys.slice(0, 10)) {
      slots.add(Number(await cluster.call('CLUSTER', 'KEYSLOT', `${namespace}${key}`)));
    }
    expect([...slots]).toEqual([keySlot(namespace)]);
    await store.deleteMany(keys.slice(0, 25));
    expect((await store.getMany(keys)).filter((value) => value !== undefined)).toHaveLength(25);
    await store.flush();
    expect((await store.getMany(keys)).every((value) => value === undefined)).toBe(true);
  });

  it('without hashTag a prefix with braces does not pin its keys to one slot', async () => {
    const store = openStore({ clusterNodes, prefix: `{${uniquePrefix('brace')}}` });
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    const slots = new Set(keys.map((key) => keySlot(`${keyNamespace(store.prefix, false)}${key}`)));
    expect(slots.size).toBeGreaterThan(30);
    await store.setMany(keys.map((key) => ({ key, value: bytes(key), ttl: 60_000 })));
    expect((await store.getMany(keys)).map(text)).toEqual(keys);
    await store.flush();
  });
});
