import { describe, expect, it, vi } from 'vitest';
import {
  mysqlDialect,
  type SqlExecutor,
  type SqlParam,
  SqlStore,
  type SqlStoreOptions,
  sqliteDialect,
} from '../src/internal.js';

interface Call {
  readonly sql: string;
  readonly params: readonly SqlParam[];
}

/** An executor that records calls and answers from a script (default: no rows, 0 affected). */
function recordingExecutor(
  answer: (call: Call) => unknown = () => undefined,
): SqlExecutor & { readonly calls: Call[] } {
  const calls: Call[] = [];
  const run = async (sql: string, params: readonly SqlParam[]): Promise<unknown> => {
    const call = { sql, params };
    calls.push(call);
    const result = answer(call);
    if (result instanceof Error) throw result;
    return result;
  };
  return {
    calls,
    query: async (sql, params) => ((await run(sql, params)) as never) ?? [],
    execute: async (sql, params) => ((await run(sql, params)) as never) ?? { affectedRows: 0 },
    transaction: async (work) =>
      work({ query: (s, p) => run(s, p) as never, execute: (s, p) => run(s, p) as never }),
  };
}

function storeWith(executor: SqlExecutor, options: Partial<SqlStoreOptions> = {}): SqlStore {
  return new SqlStore({ dialect: sqliteDialect, executor, prefix: 'app', ...options });
}

const configError = expect.objectContaining({ code: 'CACHE_INVALID_CONFIG' });

describe('SqlStore configuration', () => {
  it.each([
    ['a bad table name', { table: 'users; DROP TABLE users' }],
    ['no prefix (the table may be shared)', { prefix: undefined }],
    ['an empty prefix', { prefix: '' }],
    ['a prefix with a lone surrogate', { prefix: 'a\uD800' }],
    ['a prefix with NUL', { prefix: 'a\0b' }],
    ['a prefix over 255 UTF-8 bytes', { prefix: 'é'.repeat(128) }],
    ['a bad prune interval', { pruneInterval: 'soon' as never }],
    ['a prune interval too long for a timer', { pruneInterval: '30d' as const }],
    ['the renamed onPruneError', { onPruneError: () => {} } as never],
    ['a non-function onBackgroundError', { onBackgroundError: 'log' as never }],
    ['a bad prune limit', { pruneLimit: 0 }],
    ['maxValueBytes above the dialect cap', { maxValueBytes: 2_000_000_000 }],
    ['a non-boolean createTable', { createTable: 'yes' as never }],
  ])('rejects %s with ConfigError before any SQL', (_what, options) => {
    const executor = recordingExecutor();
    expect(() => storeWith(executor, options)).toThrow(configError);
    expect(executor.calls).toEqual([]);
  });

  it('requires transaction() when the dialect increments in a transaction', () => {
    const { transaction: _omitted, ...noTransactions } = recordingExecutor();
    const prefix = 'app';
    expect(() => new SqlStore({ dialect: mysqlDialect, executor: noTransactions, prefix })).toThrow(
      configError,
    );
    expect(() => new SqlStore({ dialect: {} as never, executor: noTransactions, prefix })).toThrow(
      configError,
    );
    expect(() => new SqlStore({ dialect: sqliteDialect, executor: {} as never, prefix })).toThrow(
      configError,
    );
  });

  it('defaults: table cache_entries, shared and durable, 1 ms resolution; pruneInterval 0 is off', () => {
    const store = storeWith(recordingExecutor(), { pruneInterval: 0 });
    expect(store.prefix).toBe('app');
    expect(store.statements.flush).toBe('DELETE FROM "cache_entries" WHERE "prefix" = ?');
    expect(store.capabilities).toEqual({
      shared: true,
      durable: true,
      ttlResolutionMs: 1,
      maxValueBytes: sqliteDialect.maxValueBytes,
    });
    expect(store.name).toBe('sqlite');
    expect(storeWith(recordingExecutor(), { name: 'libsql' }).name).toBe('libsql');
  });
});

describe('SqlStore behaviour over a scripted executor', () => {
  it('creates the table once, on first use, and tolerates a lost creation race', async () => {
    const isDdl = (call: Call): boolean => /^(CREATE|DROP) /.test(call.sql);
    const executor = recordingExecutor((call) =>
      // The CREATE TABLE "loses the race" to another process.
      call.sql.startsWith('CREATE') ? new Error('table cache_entries already exists') : undefined,
    );
    const store = storeWith(executor);
    expect(executor.calls).toEqual([]);
    await Promise.all([store.get('a'), store.get('b'), store.delete('c')]);
    // SQLite: CREATE TABLE, then DROP INDEX IF EXISTS of the index earlier releases made.
    expect(executor.calls.filter(isDdl)).toHaveLength(2);
    await store.get('d');
    expect(executor.calls.filter(isDdl)).toHaveLength(2);
  });

  it('retries table creation after a failure, and wraps it in StoreError', async () => {
    let fail = true;
    const executor = recordingExecutor((call) =>
      call.sql.startsWith('CREATE TABLE') && fail ? new Error('permission denied') : undefined,
    );
    const store = storeWith(executor);
    await expect(store.get('k')).rejects.toMatchObject({
      code: 'CACHE_STORE_ERROR',
      operation: 'get',
      cause: expect.objectContaining({ message: 'permission denied' }),
    });
    fail = false;
    await expect(store.get('k')).resolves.toBeUndefined();
  });

  it('createTable: false sends no DDL', async () => {
    const executor = recordingExecutor();
    await storeWith(executor, { createTable: false }).get('k');
    expect(executor.calls.map((c) => c.sql)).toEqual([expect.stringMatching(/^SELECT/)]);
  });

  it('validates values, TTLs and deltas before any SQL', async () => {
    const executor = recordingExecutor();
    const store = storeWith(executor, { maxValueBytes: 8 });
    await expect(store.set('k', new Uint8Array(9), 0)).rejects.toMatchObject({
      code: 'CACHE_VALUE_TOO_LARGE',
    });
    await expect(store.add('k', new Uint8Array(9), 0)).rejects.toMatchObject({
      code: 'CACHE_VALUE_TOO_LARGE',
    });
    await expect(
      store.setMany([
        { key: 'ok', value: new Uint8Array(1), ttl: 0 },
        { key: 'big', value: new Uint8Array(9), ttl: 0 },
      ]),
    ).rejects.toMatchObject({ code: 'CACHE_VALUE_TOO_LARGE' });
    await expect(store.set('k', new Uint8Array(1), -1)).rejects.toMatchObject({ code: 'CACHE_INVALID_TTL' });
    await expect(store.set('k', new Uint8Array(1), Number.NaN)).rejects.toMatchObject({
      code: 'CACHE_INVALID_TTL',
    });
    await expect(store.increment('k', 1.5, 0)).rejects.toMatchObject({ code: 'CACHE_INVALID_VALUE' });
    await expect(store.add('k', new Uint8Array(1), -1)).rejects.toMatchObject({ code: 'CACHE_INVALID_TTL' });
    await expect(store.increment('k', 1, Number.POSITIVE_INFINITY)).rejects.toMatchObject({
      code: 'CACHE_INVALID_TTL',
    });
    await expect(
      store.setMany([
        { key: 'ok', value: new Uint8Array(1), ttl: 0 },
        { key: 'bad', value: new Uint8Array(1), ttl: -5 },
      ]),
    ).rejects.toMatchObject({ code: 'CACHE_INVALID_TTL' });
    expect(executor.calls).toEqual([]);
  });

  it.each(['set', 'setMany', 'add', 'increment'] as const)(
    '%s counts its TTL from after the first call has waited for table creation',
    async (operation) => {
      let clock = 1_000_000;
      const now = vi.spyOn(Date, 'now').mockImplementation(() => clock);
      try {
        let openGate = (): void => {};
        const gate = new Promise<void>((resolve) => {
          openGate = resolve;
        });
        const executor = recordingExecutor();
        const slowDdl: SqlExecutor = {
          ...executor,
          execute: async (sql, params, options) => {
            if (sql.startsWith('CREATE')) await gate;
            return executor.execute(sql, params, options);
          },
        };
        const store = storeWith(slowDdl);
        const value = new Uint8Array([1]);
        const pending =
          operation === 'set'
            ? store.set('k', value, 500)
            : operation === 'setMany'
              ? store.setMany([{ key: 'k', value, ttl: 500 }])
              : operation === 'add'
                ? store.add('k', value, 500)
                : store.increment('k', 1, 500);
        // Table creation takes 10 s of clock time before the write goes out.
        clock += 10_000;
        openGate();
        await pending.catch(() => undefined);
        const write = executor.calls.find((call) => !/^(CREATE|DROP) /.test(call.sql));
        expect(write?.params).toContain(clock + 500);
        expect(write?.params).not.toContain(1_000_000 + 500);
      } finally {
        now.mockRestore();
      }
    },
  );

  it('binds expires_at as now + ttl (rounded up) and 0 for NO_EXPIRY', async () => {
    const executor = recordingExecutor();
    const store = storeWith(executor, { createTable: false });
    const before = Date.now();
    await store.set('k', new Uint8Array([1]), 1_000.2);
    await store.set('forever', new Uint8Array([1]), 0);
    const after = Date.now();
    const [first, second] = executor.calls;
    expect(first?.params.slice(0, 2)).toEqual(['app', 'k']);
    const expiresAt = first?.params[3] as number;
    expect(expiresAt).toBeGreaterThanOrEqual(before + 1_001);
    expect(expiresAt).toBeLessThanOrEqual(after + 1_001);
    expect(second?.params[3]).toBe(0);
  });

  it('getMany pads IN lists to a power of two and splits above 512 distinct keys', async () => {
    const executor = recordingExecutor();
    const store = storeWith(executor, { createTable: false });
    const keys = Array.from({ length: 600 }, (_, i) => `k${i % 520}`);
    const values = await store.getMany(keys);
    expect(values).toHaveLength(600);
    // 520 distinct keys: one statement of 512 and one of 8 (padded from 8).
    expect(executor.calls.map((c) => c.params.length)).toEqual([512 + 2, 8 + 2]);
    expect(await store.getMany([])).toEqual([]);
    expect(executor.calls).toHaveLength(2);
  });

  it("driver errors become StoreError; the caller's abort reason passes through untouched", async () => {
    const boom = new Error('connection reset');
    const store = storeWith(
      recordingExecutor(() => boom),
      { createTable: false },
    );
    await expect(store.flush()).rejects.toMatchObject({
      code: 'CACHE_STORE_ERROR',
      driver: 'sqlite',
      cause: boom,
    });
    const controller = new AbortController();
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(store.get('k', { signal: controller.signal })).rejects.toBe(reason);
  });

  it('close waits for every call in flight, then calls onClose; later calls never reach the executor', async () => {
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const executor = recordingExecutor();
    const slow: SqlExecutor = {
      ...executor,
      query: async (sql, params, options) => {
        await gate;
        return executor.query(sql, params, options);
      },
      execute: async (sql, params, options) => {
        await gate;
        return executor.execute(sql, params, options);
      },
    };
    const events: string[] = [];
    const store = storeWith(slow, {
      createTable: false,
      onClose: () => {
        events.push('onClose');
      },
    });
    const calls = Array.from({ length: 50 }, (_, i) =>
      (i % 2 === 0 ? store.get(`k${i}`) : store.set(`k${i}`, new Uint8Array([i]), 0)).then(() =>
        events.push('settled'),
      ),
    );
    let closed = false;
    const closing = store.close().then(() => {
      closed = true;
    });
    // Refused at once, while the 50 are still waiting on the executor.
    await expect(store.get('late')).rejects.toMatchObject({ code: 'CACHE_STORE_CLOSED' });
    await expect(store.flush()).rejects.toMatchObject({ code: 'CACHE_STORE_CLOSED' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    expect(events).toEqual([]);
    release();
    await closing;
    await Promise.all(calls);
    expect(events).toEqual([...Array.from({ length: 50 }, () => 'settled'), 'onClose']);
    expect(executor.calls.map((call) => call.params[1])).not.toContain('late');
    expect(executor.calls).toHaveLength(50);
  });

  it('refuses keys that are not well-formed UTF-16 before any SQL, table creation included', async () => {
    const executor = recordingExecutor();
    const store = storeWith(executor);
    const bad = '\uD800x';
    const value = new Uint8Array([1]);
    for (const call of [
      store.get(bad),
      store.getMany(['ok', bad]),
      store.set(bad, value, 0),
      store.setMany([
        { key: 'ok', value, ttl: 0 },
        { key: bad, value, ttl: 0 },
      ]),
      store.add(bad, value, 0),
      store.increment(bad, 1, 0),
      store.delete(bad),
      store.deleteMany(['ok', bad]),
      store.deleteIfEquals(bad, value),
      store.get(''),
    ]) {
      await expect(call).rejects.toMatchObject({ code: 'CACHE_INVALID_KEY' });
    }
    expect(executor.calls).toEqual([]);
  });

  it('a value column holding TEXT (written by hand) reads as its UTF-8 bytes on every read path', async () => {
    let stored: unknown = 'héllo';
    const executor = recordingExecutor((call) =>
      call.sql.startsWith('SELECT') ? [{ cache_key: 'k', value: stored, expires_at: 0 }] : undefined,
    );
    const sqlite = storeWith(executor, { createTable: false });
    const bytes = new TextEncoder().encode('héllo');
    expect(await sqlite.get('k')).toEqual(bytes);
    expect(await sqlite.getMany(['k'])).toEqual([bytes]);
    // The transactional increment (MySQL dialect) reads the value under its lock.
    stored = '41';
    const mysql = new SqlStore({ dialect: mysqlDialect, executor, prefix: 'app', createTable: false });
    expect(await mysql.increment('k', 1, 0)).toBe(42);
  });

  it.each([
    ['an INTEGER', 42],
    ['a REAL', 1.5],
    ['NULL', null],
  ])('a value column holding %s is a CorruptPayloadError on every read path', async (what, raw) => {
    const row = { cache_key: 'k', value: raw, expires_at: 0 };
    const executor = recordingExecutor((call) => (call.sql.startsWith('SELECT') ? [row] : undefined));
    const expected = { code: 'CACHE_CORRUPT_PAYLOAD', message: expect.stringContaining(what) };
    const sqlite = storeWith(executor, { createTable: false });
    await expect(sqlite.get('k')).rejects.toMatchObject(expected);
    await expect(sqlite.getMany(['k'])).rejects.toMatchObject(expected);
    // The transactional increment (MySQL dialect) reads the value under its lock.
    const mysql = new SqlStore({ dialect: mysqlDialect, executor, prefix: 'app', createTable: false });
    await expect(mysql.increment('k', 1, 0)).rejects.toMatchObject(expected);
  });

  it('close is idempotent, calls onClose once, and later calls reject with StoreClosedError', async () => {
    let closes = 0;
    const store = storeWith(recordingExecutor(), {
      onClose: () => {
        closes++;
      },
    });
    await Promise.all([store.close(), store.close()]);
    await store.close();
    expect(closes).toBe(1);
    await expect(store.get('k')).rejects.toMatchObject({ code: 'CACHE_STORE_CLOSED' });
    await expect(store.set('k', new Uint8Array(1), 0)).rejects.toMatchObject({ code: 'CACHE_STORE_CLOSED' });
  });

  it('two-step add (MySQL): takeover first, then insert, a duplicate key meaning "present"', async () => {
    const duplicate = Object.assign(new Error('Duplicate entry'), { errno: 1062, code: 'ER_DUP_ENTRY' });
    let insertOutcome: unknown;
    const executor = recordingExecutor((call) => {
      if (call.sql.startsWith('UPDATE')) return { affectedRows: 0 };
      if (call.sql.startsWith('INSERT')) return insertOutcome;
      return undefined;
    });
    const store = new SqlStore({ dialect: mysqlDialect, executor, prefix: 'app', createTable: false });
    insertOutcome = { affectedRows: 1 };
    expect(await store.add('k', new Uint8Array([1]), 0)).toBe(true);
    insertOutcome = duplicate;
    expect(await store.add('k', new Uint8Array([1]), 0)).toBe(false);
    insertOutcome = new Error('disk full');
    await expect(store.add('k', new Uint8Array([1]), 0)).rejects.toMatchObject({ code: 'CACHE_STORE_ERROR' });
    expect(executor.calls.map((c) => c.sql.split(' ')[0])).toEqual([
      'UPDATE',
      'INSERT',
      'UPDATE',
      'INSERT',
      'UPDATE',
      'INSERT',
    ]);
  });

  it('transactional increment retries a deadlock and gives up after a few attempts', async () => {
    const deadlock = Object.assign(new Error('Deadlock found'), { errno: 1213 });
    let deadlocks = 2;
    const executor = recordingExecutor((call) => {
      if (call.sql.startsWith('INSERT') && deadlocks > 0) {
        deadlocks--;
        return deadlock;
      }
      if (call.sql.startsWith('SELECT')) return [{ value: new TextEncoder().encode('41'), expires_at: 0 }];
      return undefined;
    });
    const store = new SqlStore({ dialect: mysqlDialect, executor, prefix: 'app', createTable: false });
    expect(await store.increment('n', 1, 0)).toBe(42);
    deadlocks = 100;
    await expect(store.increment('n', 1, 0)).rejects.toMatchObject({
      code: 'CACHE_STORE_ERROR',
      cause: deadlock,
    });
  });
});
