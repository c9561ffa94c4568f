import { describe, expect, it } from 'vitest';
import {
  KEY_FORMS_PER_GENERATION,
  KeyIdentity,
  keyHash,
  MAX_MEMOISED_KEY_LENGTH,
  postgresDialect,
  type SqlExecutor,
  type SqlParam,
  SqlStore,
} from '../src/internal.js';

interface Call {
  readonly sql: string;
  readonly params: readonly SqlParam[];
}

const encoder = new TextEncoder();
const bytes = (text: string): Uint8Array => encoder.encode(text);

/**
 * A Postgres-dialect executor over an in-memory table (sha256 storage), recording
 * every statement: enough to check what the coalescing store sends.
 */
function tableExecutor(rows: Map<string, unknown>, fail?: () => Error | undefined) {
  const calls: Call[] = [];
  const run = async (sql: string, params: readonly SqlParam[]) => {
    calls.push({ sql, params });
    const error = fail?.();
    if (error !== undefined) throw error;
    if (sql.startsWith('SELECT') && sql.includes(' IN (')) {
      // getMany: prefix, key_hash × n, now → rows with key_hash, cache_key, value.
      const hashes = new Set(params.slice(1, -1).map((p) => Buffer.from(p as Uint8Array).toString('hex')));
      return [...rows.entries()]
        .filter(([key]) => hashes.has(keyHash(key).toString('hex')))
        .map(([key, value]) => ({ key_hash: keyHash(key), cache_key: Buffer.from(key), value }));
    }
    if (sql.startsWith('SELECT')) {
      const value = rows.get(Buffer.from(params[2] as Uint8Array).toString('utf8'));
      return value === undefined ? [] : [{ value }];
    }
    if (sql.startsWith('INSERT')) {
      // (prefix, key_hash, cache_key, value, expires_at) × n
      for (let i = 0; i < params.length; i += 5) {
        rows.set(Buffer.from(params[i + 2] as Uint8Array).toString('utf8'), params[i + 3]);
      }
    }
    return { affectedRows: 1 };
  };
  const executor: SqlExecutor = {
    query: async (sql, params) => (await run(sql, params)) as never,
    execute: async (sql, params) => (await run(sql, params)) as never,
  };
  return { executor, calls };
}

function coalescingStore(executor: SqlExecutor): SqlStore {
  return new SqlStore({
    dialect: postgresDialect,
    executor,
    prefix: 'app',
    createTable: false,
    coalesce: true,
  });
}

describe('SqlStore coalescing (coalesce: true)', () => {
  it('gets issued together become one IN (…) select; each caller gets its own copy', async () => {
    const rows = new Map<string, unknown>([
      ['a', Buffer.from('A')],
      ['b', Buffer.from('B')],
    ]);
    const { executor, calls } = tableExecutor(rows);
    const store = coalescingStore(executor);
    const [a, b, missing, again] = await Promise.all([
      store.get('a'),
      store.get('b'),
      store.get('missing'),
      store.get('a'),
    ]);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.sql).toBe(store.statements.getMany(4));
    expect([a, b, missing, again]).toEqual([bytes('A'), bytes('B'), undefined, bytes('A')]);
    (a as Uint8Array).fill(0);
    expect(again).toEqual(bytes('A'));
    // A lone get is the point select.
    expect(await store.get('b')).toEqual(bytes('B'));
    expect(calls[1]?.sql).toBe(store.statements.get);
  });

  it('a value that is not bytes fails only its own callers; a failed select fails them all', async () => {
    const rows = new Map<string, unknown>([
      ['good', Buffer.from('ok')],
      ['bad', 42],
    ]);
    let failure: Error | undefined;
    const { executor } = tableExecutor(rows, () => failure);
    const store = coalescingStore(executor);
    const outcomes = await Promise.allSettled([store.get('good'), store.get('bad'), store.get('bad')]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'CACHE_CORRUPT_PAYLOAD' });
    failure = new Error('connection reset');
    const failed = await Promise.allSettled([store.get('good'), store.get('bad')]);
    for (const outcome of failed) {
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({
        code: 'CACHE_STORE_ERROR',
        operation: 'get',
        cause: failure,
      });
    }
  });

  it('sets issued together become one multi-row upsert in key order, the last write of a key winning', async () => {
    const rows = new Map<string, unknown>();
    const { executor, calls } = tableExecutor(rows);
    const store = coalescingStore(executor);
    const keys = ['k3', 'k1', 'k2', 'k1'];
    await Promise.all(keys.map((key, i) => store.set(key, bytes(`v${i}`), 0)));
    expect(calls).toHaveLength(1);
    expect(calls[0]?.sql).toBe(store.statements.setMany(3));
    const hashes = [0, 5, 10].map((i) => calls[0]?.params[i + 1] as Buffer);
    expect([...hashes].sort(Buffer.compare)).toEqual(hashes);
    expect(
      Object.fromEntries([...rows].map(([k, v]) => [k, new TextDecoder().decode(v as Uint8Array)])),
    ).toEqual({
      k1: 'v3',
      k2: 'v2',
      k3: 'v0',
    });
    // A lone set is the single-row upsert.
    await store.set('solo', bytes('s'), 0);
    expect(calls[1]?.sql).toBe(store.statements.set);
  });

  it('a failed batch fails every caller in it; calls with a signal are never coalesced', async () => {
    let failure: Error | undefined = new Error('disk full');
    const { executor, calls } = tableExecutor(new Map(), () => failure);
    const store = coalescingStore(executor);
    const outcomes = await Promise.allSettled([store.set('a', bytes('1'), 0), store.set('b', bytes('2'), 0)]);
    for (const outcome of outcomes) {
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({
        code: 'CACHE_STORE_ERROR',
        cause: failure,
      });
    }
    failure = undefined;
    const { signal } = new AbortController();
    await Promise.all([store.set('a', bytes('1'), 0, { signal }), store.set('b', bytes('2'), 0, { signal })]);
    await Promise.all([store.get('a', { signal }), store.get('b', { signal })]);
    expect(calls.slice(1).map((call) => call.sql)).toEqual([
      store.statements.set,
      store.statements.set,
      store.statements.get,
      store.statements.get,
    ]);
  });
});

describe('KeyIdentity memoisation', () => {
  it('gives the same forms as computing them afresh, across generations, and still checks every key', () => {
    const ids = new KeyIdentity('sha256', 'p');
    const fresh = (key: string) => ['p', keyHash(key), Buffer.from(key, 'utf8')];
    const keys = Array.from({ length: KEY_FORMS_PER_GENERATION * 3 }, (_, i) => `key:${i}:é`);
    for (const key of keys) expect(ids.params(key)).toEqual(fresh(key));
    // Evicted, recent and long keys alike.
    for (const key of [keys[0] as string, keys.at(-1) as string, 'x'.repeat(MAX_MEMOISED_KEY_LENGTH + 1)]) {
      expect(ids.params(key)).toEqual(fresh(key));
      expect(ids.lookup(key)).toEqual(keyHash(key));
    }
    // A fresh array each time: callers extend it.
    const first = ids.params('key:1:é');
    first.push(1);
    expect(ids.params('key:1:é')).toHaveLength(3);
    expect(() => ids.params('\uD800x')).toThrow(expect.objectContaining({ code: 'CACHE_INVALID_KEY' }));
    expect(() => ids.lookup('')).toThrow(expect.objectContaining({ code: 'CACHE_INVALID_KEY' }));
  });
});
