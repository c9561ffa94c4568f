import { AssertionError } from 'node:assert';
import { Cache, type CacheEvent, type CacheOperation, type CacheOptions } from '@cache/core';
import { MemoryStore } from '@cache/memory';

/** Options of {@link createFake}. */
export interface FakeOptions {
  /**
   * How the backing memory store keeps values. Default `'copy'`: values go through
   * the JSON codec exactly as on a networked store, so a test sees what production
   * would (a `Date` comes back as a string). `'reference'` keeps objects as-is.
   */
  readonly values?: 'copy' | 'reference';
  /** Further facade options (codec, defaultTtl, compression, …). `store` and `observer` are the fake's own. */
  readonly cacheOptions?: Omit<CacheOptions, 'store' | 'observer'>;
}

/** One recorded call. */
export interface RecordedCall {
  /** The facade method. */
  readonly op: CacheOperation;
  /** Its key (`undefined` for `flush`). */
  readonly key: string | undefined;
  /** For reads, whether it hit. */
  readonly hit: boolean | undefined;
  /** Whether the call rejected. */
  readonly failed: boolean;
}

/** A {@link Cache} test double with call recording and assertions. */
export interface CacheFake {
  /** The cache to hand to the code under test. */
  readonly cache: Cache;
  /** The memory store behind it. */
  readonly store: MemoryStore;
  /** Every call so far, in order. */
  readonly calls: readonly RecordedCall[];
  /** How many times `op` was called for `key`. */
  count(op: CacheOperation, key: string): number;
  /** How many times `op` was called, any key. */
  total(op: CacheOperation): number;
  /** Throws an `AssertionError` unless `op` was called for `key` (exactly `times` times, when given). */
  assertCalled(op: CacheOperation, key: string, times?: number): void;
  /** Throws an `AssertionError` if `op` was called for `key`. */
  assertNotCalled(op: CacheOperation, key: string): void;
  /** Throws an `AssertionError` unless `op` was called exactly `times` times in total. */
  assertTotal(op: CacheOperation, times: number): void;
  /** Forgets recorded calls and removes every stored entry. */
  reset(): Promise<void>;
  /** Forgets recorded calls, keeping stored entries. */
  resetCalls(): void;
}

/**
 * Creates an in-memory cache that records every facade call, for application unit
 * tests. Framework-agnostic: assertions throw Node's standard `AssertionError`,
 * which every test runner reports.
 *
 * @example
 * ```ts
 * const fake = createFake();
 * const service = new UserService(fake.cache);
 * await service.find(1);
 * await service.find(1);
 * fake.assertCalled('remember', 'user:1', 2);
 * ```
 */
export function createFake(options: FakeOptions = {}): CacheFake {
  const calls: RecordedCall[] = [];
  const record = (event: CacheEvent): void => {
    calls.push({ op: event.op, key: event.key, hit: event.hit, failed: event.error !== undefined });
  };
  const store = new MemoryStore({ values: options.values ?? 'copy' });
  const cache = new Cache({ ...options.cacheOptions, store, observer: record });
  const count = (op: CacheOperation, key: string): number =>
    calls.filter((call) => call.op === op && call.key === key).length;
  const total = (op: CacheOperation): number => calls.filter((call) => call.op === op).length;
  const describe = (): string =>
    calls.length === 0
      ? 'no calls were recorded'
      : `recorded: ${calls.map((c) => `${c.op}(${c.key ?? ''})`).join(', ')}`;

  return {
    cache,
    store,
    calls,
    count,
    total,
    assertCalled(op, key, times) {
      const actual = count(op, key);
      const ok = times === undefined ? actual > 0 : actual === times;
      if (!ok) {
        const wanted = times === undefined ? 'at least once' : `${times} time(s)`;
        throw new AssertionError({
          message: `expected ${op}("${key}") to be called ${wanted}, but it was called ${actual} time(s); ${describe()}`,
          actual,
          expected: times ?? 1,
          operator: times === undefined ? '>=' : '===',
        });
      }
    },
    assertNotCalled(op, key) {
      const actual = count(op, key);
      if (actual !== 0) {
        throw new AssertionError({
          message: `expected ${op}("${key}") not to be called, but it was called ${actual} time(s)`,
          actual,
          expected: 0,
          operator: '===',
        });
      }
    },
    assertTotal(op, times) {
      const actual = total(op);
      if (actual !== times) {
        throw new AssertionError({
          message: `expected ${op} to be called ${times} time(s) in total, but it was called ${actual} time(s); ${describe()}`,
          actual,
          expected: times,
          operator: '===',
        });
      }
    },
    async reset() {
      calls.length = 0;
      await store.flush();
    },
    resetCalls() {
      calls.length = 0;
    },
  };
}
