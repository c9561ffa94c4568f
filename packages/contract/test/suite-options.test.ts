import { NO_EXPIRY } from '@cache/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CACHE_CONTRACT_CHECKS,
  NULL_CACHE_CONTRACT_CHECKS,
  runStoreContract,
  STORE_CONTRACT_CHECKS,
} from '../src/index.js';
import { largeValueSize } from '../src/store-contract/checks/values.js';
import { StoreHarness } from '../src/store-contract/harness.js';
import { resolveSkipList } from '../src/support/skip-list.js';
import { expiryDeadline, shortTtl } from '../src/support/ttl.js';
import { MapStore } from './map-store.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('check names', () => {
  it('are unique within each suite', () => {
    for (const names of [STORE_CONTRACT_CHECKS, CACHE_CONTRACT_CHECKS, NULL_CACHE_CONTRACT_CHECKS]) {
      expect(new Set(names).size).toBe(names.length);
    }
    expect(STORE_CONTRACT_CHECKS.length).toBeGreaterThanOrEqual(30);
  });
});

describe('skip lists', () => {
  it('accept names or a name → reason map and print every skip', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const byName = resolveSkipList('suite', ['a', 'b'], ['a']);
    expect([...byName]).toEqual([['a', 'listed in options.skip']]);
    const byReason = resolveSkipList('suite', ['a', 'b'], { b: 'backend has no TTLs' });
    expect(byReason.get('b')).toBe('backend has no TTLs');
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[1]?.[0]).toContain('backend has no TTLs');
  });

  it('reject unknown check names with ConfigError listing the known ones', () => {
    expect(() => resolveSkipList('suite', ['flush'], ['flsuh'])).toThrow(/flsuh.*known checks are "flush"/);
    expect(() => runStoreContract({ name: 'typo', create: () => new MapStore(), skip: ['nope'] })).toThrow(
      expect.objectContaining({ code: 'CACHE_INVALID_CONFIG' }),
    );
  });
});

describe('capability-driven sizes', () => {
  it('scale the short TTL and the expiry deadline with ttlResolutionMs', () => {
    expect(shortTtl({ shared: false, durable: false, ttlResolutionMs: 1 })).toBe(150);
    const coarse = { shared: true, durable: true, ttlResolutionMs: 1000 };
    expect(shortTtl(coarse)).toBe(2000);
    expect(expiryDeadline(coarse, 2000)).toBeGreaterThanOrEqual(4000);
  });

  it('shrink the large value below a backend cap, with headroom', () => {
    expect(largeValueSize(undefined)).toBe(512 * 1024);
    expect(largeValueSize(1024 * 1024)).toBe(512 * 1024);
    const dynamo = largeValueSize(400_000);
    expect(dynamo).toBeLessThan(400_000 - 1024);
    expect(dynamo).toBeGreaterThan(350_000);
  });

  it('apply capability overrides over the store’s own', async () => {
    const harness = new StoreHarness(({ prefix }) => new MapStore({ prefix }), { ttlResolutionMs: 1000 });
    const store = await harness.open();
    expect(harness.capabilities(store)).toEqual({ shared: true, durable: false, ttlResolutionMs: 1000 });
    await store.set('k', Uint8Array.of(1), NO_EXPIRY);
    await harness.cleanup();
    await expect(store.get('k'), 'cleanup closed the store').rejects.toMatchObject({
      code: 'CACHE_STORE_CLOSED',
    });
  });
});

// The registration path with a skip: the skipped check shows up as a skipped test with its reason.
runStoreContract({
  name: 'MapStore (shared: false override, one skip)',
  create: ({ prefix }) => new MapStore({ prefix }),
  capabilities: { shared: false },
  skip: { 'a large value round trips': 'demonstrates options.skip; covered by the plain MapStore run' },
});
