import type { Store } from '@cache/core';
import { describe, expect, it, type TestContext } from 'vitest';
import type { CacheCheck } from '../src/cache-contract/check.js';
import { cacheChecks } from '../src/cache-contract/checks/index.js';
import { CacheHarness } from '../src/cache-contract/harness.js';
import { storeChecks } from '../src/store-contract/checks/index.js';
import { StoreHarness } from '../src/store-contract/harness.js';
import type { StoreCheck } from '../src/store-contract/check.js';
import {
  AliasingStore,
  BlindDeleteStore,
  CaseFoldingStore,
  DedupingGetManyStore,
  DoubleCloseThrowsStore,
  EarlyExpiryStore,
  EmptyIsMissStore,
  FirstWinsSetManyStore,
  GlobalFlushStore,
  ImmortalStore,
  IncrementKeepsTtlStore,
  KeepsOldTtlStore,
  LenientIncrementStore,
  UnsignedIncrementStore,
  LazyExpiryLeakStore,
  NulTruncatingStore,
  PrefixCompareStore,
  PrefixScanFlushStore,
  RacyAddStore,
  RacyIncrementStore,
  SingleChunkStore,
  TruncatingKeyStore,
  TruncatingValueStore,
  UnescapedLikeFlushStore,
} from './broken-stores.js';
import { MapBackend, MapStore } from './map-store.js';

/**
 * Tests of the tests: every check must fail on a store with the bug it is there
 * to catch, and pass on the correct MapStore (the control).
 */

type StoreClass = new (options: { prefix?: string; backend?: MapBackend }) => Store;

/** A stand-in for vitest's test context: only `skip` is used by the checks. */
const fakeTest = {
  skip: (note?: string) => {
    throw new Error(`check skipped itself: ${note ?? ''}`);
  },
} as unknown as TestContext;

async function runStoreCheck(name: string, StoreClass: StoreClass): Promise<unknown> {
  const check = storeChecks.find((c) => c.name === name) as StoreCheck;
  expect(check, `no store check named "${name}"`).toBeDefined();
  const backend = new MapBackend();
  const harness = new StoreHarness(({ prefix }) => new StoreClass({ prefix, backend }), undefined);
  try {
    await check.run(harness, fakeTest);
    return undefined;
  } catch (error) {
    return error ?? new Error('rejected without a reason');
  } finally {
    await harness.cleanup().catch(() => undefined);
  }
}

async function runCacheCheck(name: string, StoreClass: StoreClass): Promise<unknown> {
  const check = cacheChecks.find((c) => c.name === name) as CacheCheck;
  expect(check, `no cache check named "${name}"`).toBeDefined();
  const backend = new MapBackend();
  const harness = new CacheHarness(({ prefix }) => new StoreClass({ prefix, backend }), {});
  try {
    await check.run(harness, fakeTest);
    return undefined;
  } catch (error) {
    return error ?? new Error('rejected without a reason');
  } finally {
    await harness.cleanup().catch(() => undefined);
  }
}

/** Cases with the bug's name for the test title. */
function named(cases: [StoreClass, string][]): [string, string, StoreClass][] {
  return cases.map(([store, check]) => [store.name, check, store]);
}

const storeCases: [StoreClass, string][] = [
  [AliasingStore, 'clone safety: mutating an input buffer after a write changes nothing stored'],
  [AliasingStore, 'clone safety: mutating a returned buffer changes nothing stored'],
  [ImmortalStore, 'an entry expires after its ttl and never before'],
  [ImmortalStore, 'setMany honours per-entry ttls'],
  [EarlyExpiryStore, 'an entry expires after its ttl and never before'],
  [KeepsOldTtlStore, 'set replaces the ttl of an existing entry'],
  [RacyAddStore, 'add is atomic: exactly one of 20 concurrent adds wins'],
  [RacyIncrementStore, 'increment is atomic: 200 concurrent increments sum exactly'],
  [LazyExpiryLeakStore, 'an entry expires after its ttl and never before'],
  [LazyExpiryLeakStore, 'add honours its ttl and treats an expired entry as absent'],
  [GlobalFlushStore, 'flush spares other prefixes on the same backend'],
  [PrefixScanFlushStore, 'flush spares other prefixes on the same backend'],
  [UnescapedLikeFlushStore, 'flush spares other prefixes on the same backend'],
  [PrefixCompareStore, 'deleteIfEquals deletes only when the stored bytes are equal'],
  [EmptyIsMissStore, 'the empty value is stored and is not a miss'],
  [CaseFoldingStore, 'keys with unicode, spaces, colons and newlines stay distinct and round trip'],
  [TruncatingKeyStore, 'a 1 KiB key works with every operation and is not truncated'],
  [DedupingGetManyStore, 'getMany handles duplicate keys and an empty list'],
  [FirstWinsSetManyStore, 'setMany writes every entry and the last duplicate wins'],
  [
    LenientIncrementStore,
    'increment on a non-numeric value rejects with NotNumericError and keeps the value',
  ],
  [IncrementKeepsTtlStore, 'increment sets the given ttl on every call'],
  [
    UnsignedIncrementStore,
    'increment starts a missing key at 0, takes signed deltas and returns the new value',
  ],
  [DoubleCloseThrowsStore, 'close is idempotent'],
  [SingleChunkStore, 'batches larger than common backend limits (250 entries) work'],
  [TruncatingValueStore, 'a large value round trips'],
  [NulTruncatingStore, 'all 256 byte values round trip'],
];

const cacheCases: [StoreClass, string][] = [
  [RacyAddStore, 'tryLock: exactly one of 20 concurrent callers wins'],
  [BlindDeleteStore, 'release is owner-safe: a late release never frees the next owner'],
  [ImmortalStore, 'a lock expires after its ttl and can be acquired again'],
  [RacyIncrementStore, 'counters increment and decrement atomically and read back as numbers'],
];

describe('the store contract catches broken stores', () => {
  it.concurrent.each(named(storeCases))('%s fails "%s"', async (bug, check, store) => {
    const error = await runStoreCheck(check, store);
    expect(error, `${bug} passed "${check}"`).toBeDefined();
    expect(String(error)).not.toMatch(/check skipped itself/);
  });

  it.concurrent.each([...new Set(storeCases.map(([, name]) => name))])(
    'MapStore passes "%s"',
    async (name) => {
      expect(await runStoreCheck(name, MapStore)).toBeUndefined();
    },
  );
});

describe('the cache contract catches broken stores', () => {
  it.concurrent.each(named(cacheCases))('%s fails "%s"', async (bug, check, store) => {
    const error = await runCacheCheck(check, store);
    expect(error, `${bug} passed "${check}"`).toBeDefined();
  });

  it.concurrent.each(cacheCases.map(([, name]) => name))('MapStore passes "%s"', async (name) => {
    expect(await runCacheCheck(name, MapStore)).toBeUndefined();
  });
});
