import { COUNTER_PATTERN, NO_EXPIRY } from '@cache/core';
import { describe, expect, it } from 'vitest';
import type { RedisStore, RedisStoreOptions } from '../src/index.js';
import { bytes, clusterNodes, openRaw, openStore, text } from './support.js';

const MAX = Number.MAX_SAFE_INTEGER; // 9007199254740991

/**
 * Values Redis' INCRBY itself accepts (they fit an int64) but core's counter rule
 * refuses: a value outside the safe integer range, however a delta would bring it back.
 */
const UNSAFE_BUT_INT64 = [
  '9007199254740992',
  '9007199254740993',
  '-9007199254740992',
  '9999999999999999',
  '12345678901234567',
  '9223372036854775807',
  '-9223372036854775808',
];

/** Values both refuse (and the rule must refuse whatever INCRBY does). */
const NOT_CANONICAL = [
  '05',
  '-0',
  '+5',
  ' 5',
  '5 ',
  '1e3',
  '1.0',
  '0x10',
  '--1',
  '-',
  '',
  '00',
  '-05',
  '１',
  '9223372036854775808',
];

async function expectRefused(store: RedisStore, stored: string, delta: number): Promise<void> {
  await store.set('n', bytes(stored), 60_000);
  await expect(
    store.increment('n', delta, NO_EXPIRY),
    `increment(${JSON.stringify(stored)}, ${delta})`,
  ).rejects.toMatchObject({
    code: 'CACHE_NOT_NUMERIC',
  });
  expect(text(await store.get('n')), `${JSON.stringify(stored)} kept`).toBe(stored);
}

function incrementSuite(options: () => Partial<RedisStoreOptions>): void {
  it('refuses values INCRBY would take but that are not safe integers, and writes nothing', async () => {
    const store = openStore(options());
    for (const stored of UNSAFE_BUT_INT64) {
      expect(COUNTER_PATTERN.test(stored) && Number.isSafeInteger(Number(stored))).toBe(false);
      // A delta that would land the result back in the safe range must not launder the value.
      await expectRefused(store, stored, stored.startsWith('-') ? MAX : -MAX);
      await expectRefused(store, stored, 0);
    }
  });

  it('refuses every non-canonical spelling', async () => {
    const store = openStore(options());
    for (const stored of NOT_CANONICAL) {
      expect(COUNTER_PATTERN.test(stored)).toBe(false);
      await expectRefused(store, stored, 1);
    }
  });

  it('accepts the canonical range up to ±(2^53 - 1), and refuses a result beyond it', async () => {
    const store = openStore(options());
    await store.set('top', bytes(String(MAX - 1)), 60_000);
    expect(await store.increment('top', 1, 60_000)).toBe(MAX);
    await expect(store.increment('top', 1, 60_000)).rejects.toMatchObject({ code: 'CACHE_NOT_NUMERIC' });
    expect(text(await store.get('top'))).toBe(String(MAX));
    await store.set('bottom', bytes(String(-MAX)), 60_000);
    expect(await store.increment('bottom', 0, 60_000)).toBe(-MAX);
    await expect(store.increment('bottom', -1, 60_000)).rejects.toMatchObject({ code: 'CACHE_NOT_NUMERIC' });
    // From a missing key, a delta of MAX is fine; two of them are not (nothing written by the second).
    expect(await store.increment('fresh', MAX, 60_000)).toBe(MAX);
    await expect(store.increment('fresh', MAX, 60_000)).rejects.toMatchObject({ code: 'CACHE_NOT_NUMERIC' });
    expect(await store.increment('zero', 0, 60_000)).toBe(0);
    expect(text(await store.get('zero'))).toBe('0');
  });
}

describe('increment follows core COUNTER_PATTERN exactly (standalone)', () => {
  incrementSuite(() => ({}));

  it('leaves the TTL alone when it refuses', async () => {
    const raw = openRaw();
    const store = openStore();
    await store.set('kept', bytes('05'), 60_000);
    await expect(store.increment('kept', 1, NO_EXPIRY)).rejects.toMatchObject({ code: 'CACHE_NOT_NUMERIC' });
    expect(await raw.pttl(`${store.prefix}:kept`)).toBeGreaterThan(50_000);
  });
});

describe.runIf(clusterNodes.length > 0)('increment follows core COUNTER_PATTERN exactly (Cluster)', () => {
  incrementSuite(() => ({ clusterNodes }));
});
