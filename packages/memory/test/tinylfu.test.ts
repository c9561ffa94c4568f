import { describe, expect, it } from 'vitest';
import { MISS } from '@cache/core';
import type { MemoryStore } from '../src/index.js';
import type { MemoryEntry } from '../src/entry.js';
import { WindowClimber } from '../src/eviction/climber.js';
import { FrequencySketch, hashKey } from '../src/eviction/sketch.js';
import { createStore } from './support.js';

/** Cache-aside read: a hit, or a miss followed by a write. Returns whether it hit. */
function request(store: MemoryStore, key: string): boolean {
  if (store.peekValue(key) !== MISS) return true;
  store.putValue(key, key, 0);
  return false;
}

/** Every entry linked in the policy's lists, by walking them from their sentinels. */
function linkedEntries(store: MemoryStore): MemoryEntry[] {
  const eviction = (store as unknown as { eviction: Record<string, unknown> }).eviction;
  const lists = ['window', 'probation', 'protected', 'list']
    .map((name) => eviction[name] as { sentinel: MemoryEntry } | undefined)
    .filter((list) => list !== undefined);
  const entries: MemoryEntry[] = [];
  for (const { sentinel } of lists) {
    for (let entry = sentinel.next; entry !== sentinel; entry = entry.next) entries.push(entry);
  }
  return entries;
}

describe("policy 'tinylfu' (the default)", () => {
  it('is the default, and lru stays selectable', () => {
    expect(createStore().policy).toBe('tinylfu');
    expect(createStore({ policy: 'lru' }).policy).toBe('lru');
  });

  it('keeps the popular keys through a one-pass scan of 10× its size (LRU loses them all)', () => {
    const survivors = (store: MemoryStore) => {
      for (let round = 0; round < 5; round++) for (let i = 0; i < 50; i++) request(store, `hot:${i}`);
      for (let i = 0; i < 1_000; i++) request(store, `scan:${i}`);
      let kept = 0;
      for (let i = 0; i < 50; i++) if (store.peekValue(`hot:${i}`) !== MISS) kept++;
      return kept;
    };
    expect(survivors(createStore({ maxEntries: 100 }))).toBeGreaterThanOrEqual(45);
    expect(survivors(createStore({ maxEntries: 100, policy: 'lru' }))).toBe(0);
  });

  it('keeps a stable part of a loop slightly larger than itself (LRU misses every time)', () => {
    const hitRatio = (store: MemoryStore) => {
      let hits = 0;
      let total = 0;
      for (let pass = 0; pass < 20; pass++) {
        for (let i = 0; i < 110; i++) {
          total++;
          if (request(store, `loop:${i}`)) hits++;
        }
      }
      return hits / total;
    };
    expect(hitRatio(createStore({ maxEntries: 100 }))).toBeGreaterThan(0.7);
    expect(hitRatio(createStore({ maxEntries: 100, policy: 'lru' }))).toBe(0);
  });

  it('admits a key that becomes popular, evicting one that is no longer read', () => {
    const store = createStore({ maxEntries: 100 });
    for (let round = 0; round < 3; round++) for (let i = 0; i < 100; i++) request(store, `old:${i}`);
    // A new key read many times, between reads of fresh one-off keys that push it out of the window.
    for (let i = 0; i < 200; i++) {
      request(store, 'rising');
      request(store, `once:${i}`);
    }
    expect(store.peekValue('rising')).toBe('rising');
    expect(store.size).toBe(100);
  });

  it('a written entry is readable at once, even into a store full of popular keys', () => {
    const store = createStore({ maxEntries: 10 });
    for (let round = 0; round < 10; round++) for (let i = 0; i < 10; i++) request(store, `hot:${i}`);
    for (let i = 0; i < 50; i++) {
      store.putValue(`new:${i}`, i, 0);
      expect(store.peekValue(`new:${i}`)).toBe(i);
      expect(store.size).toBeLessThanOrEqual(10);
    }
  });

  it('keeps both bounds, the index and its lists consistent over random operations', async () => {
    const store = createStore({ maxEntries: 64, maxBytes: 4_000 });
    const written = new Map<string, string>();
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let i = 0; i < 20_000; i++) {
      // Skewed keys, values of 1 to 200 characters.
      const key = `k${random(random(2) === 0 ? 20 : 400)}`;
      const op = random(10);
      if (op < 5) {
        const got = store.peekValue(key);
        if (got !== MISS) expect(got).toBe(written.get(key));
      } else if (op < 9) {
        const value = 'v'.repeat(1 + random(200));
        store.putValue(key, value, 0);
        written.set(key, value);
        expect(store.peekValue(key)).toBe(value); // the newest entry is never the one evicted
      } else {
        await store.delete(key);
        written.delete(key);
      }
      expect(store.size).toBeLessThanOrEqual(64);
      expect(store.bytes).toBeLessThanOrEqual(4_000);
    }
    const linked = linkedEntries(store);
    expect(linked).toHaveLength(store.size);
    const internals = store as unknown as { map: Map<string, MemoryEntry> };
    for (const entry of linked) expect(internals.map.get(entry.key)).toBe(entry);
    expect(store.bytes).toBe(linked.reduce((sum, entry) => sum + entry.size, 0));
  });

  it('evicts by bytes: a large write makes room by evicting several entries', () => {
    const store = createStore({ maxBytes: 2_000 });
    for (let i = 0; i < 20; i++) store.putValue(`small:${i}`, 'x'.repeat(20), 0); // 2*7 + 24 + 40 = 78 bytes
    const big = 'y'.repeat(600); // 24 + 1,200 + 6
    store.putValue('big', big, 0);
    expect(store.peekValue('big')).toBe(big);
    expect(store.bytes).toBeLessThanOrEqual(2_000);
    expect(store.size).toBeLessThan(21);
  });

  it('flush forgets entries and frequencies alike, and the store keeps working', async () => {
    const store = createStore({ maxEntries: 10 });
    for (let round = 0; round < 10; round++) for (let i = 0; i < 10; i++) request(store, `a:${i}`);
    await store.flush();
    expect(store.size).toBe(0);
    // With the old frequencies gone, a new working set takes over after one more pass.
    for (let round = 0; round < 3; round++) for (let i = 0; i < 10; i++) request(store, `b:${i}`);
    let kept = 0;
    for (let i = 0; i < 10; i++) if (store.peekValue(`b:${i}`) !== MISS) kept++;
    expect(kept).toBe(10);
    expect(linkedEntries(store)).toHaveLength(10);
  });

  it('grows its window for a recency-biased workload, ending close to LRU (a fixed 1 % window gets ~7 %)', () => {
    // Each request: a new key (1 in 3) or one of the 200 most recent keys; 100 entries.
    const tailHitRatio = (store: MemoryStore) => {
      let next = 0;
      let seed = 1;
      let hits = 0;
      for (let i = 0; i < 300_000; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        const id = (seed >>> 4) % 3 === 0 || next < 200 ? next++ : next - 1 - ((seed >>> 8) % 200);
        if (request(store, `r:${id}`) && i >= 250_000) hits++;
      }
      return hits / 50_000;
    };
    const lru = tailHitRatio(createStore({ maxEntries: 100, policy: 'lru' }));
    const store = createStore({ maxEntries: 100 });
    expect(tailHitRatio(store)).toBeGreaterThan(0.9 * lru);
    expect(linkedEntries(store)).toHaveLength(store.size);
  });

  it('works with one entry', () => {
    const store = createStore({ maxEntries: 1 });
    for (let i = 0; i < 10; i++) store.putValue(`k${i}`, i, 0);
    expect(store.size).toBe(1);
    expect(store.peekValue('k9')).toBe(9);
  });
});

describe('window climber', () => {
  const period = (climber: WindowClimber, hitRatio: number, filled = true): number => {
    let adjustment = 0;
    // 10,000 reads (the smallest period), misses last so the period ends on one.
    climber.hits += Math.round(hitRatio * 10_000);
    for (let i = Math.round(hitRatio * 10_000); i < 10_000; i++) adjustment = climber.miss(filled);
    return adjustment;
  };

  it('waits until the store is full, then steps, keeps a direction that helps and turns back from one that hurts', () => {
    const climber = new WindowClimber(1_000); // steps of 62.5 entries
    expect(period(climber, 0.3, false)).toBe(0);
    const first = period(climber, 0.4);
    expect(Math.abs(first)).toBeGreaterThanOrEqual(62); // 6.25 % of 1,000, rounded
    expect(Math.abs(first)).toBeLessThanOrEqual(63);
    const second = period(climber, 0.41); // better: same direction, decayed
    expect(Math.sign(second)).toBe(Math.sign(first));
    const third = period(climber, 0.4); // worse: back
    expect(Math.sign(third)).toBe(-Math.sign(second));
    expect(Math.abs(third)).toBeLessThan(Math.abs(first));
  });

  it('restarts with a full step when the hit ratio jumps (the workload changed)', () => {
    const climber = new WindowClimber(1_000);
    period(climber, 0.4);
    for (let i = 0; i < 50; i++) period(climber, i % 2 === 0 ? 0.4 : 0.401); // steps decay
    expect(Math.abs(period(climber, 0.4))).toBeLessThan(30);
    period(climber, 0.6); // +20 points: the next step is a full one again
    expect(Math.abs(period(climber, 0.6))).toBeGreaterThanOrEqual(62);
  });
});

describe('frequency sketch', () => {
  it('never under-estimates (up to 15), also after growing', () => {
    const sketch = new FrequencySketch(1_000_000);
    sketch.ensureCapacity(1_000); // halves after 10,000 increments: none here
    const hashes = Array.from({ length: 200 }, (_, i) => hashKey(`key:${i}`, 42));
    hashes.forEach((hash, i) => {
      for (let n = 0; n < i % 16; n++) sketch.increment(hash);
    });
    const atLeastCounted = () => {
      for (const [i, hash] of hashes.entries()) expect(sketch.frequency(hash)).toBeGreaterThanOrEqual(i % 16);
    };
    atLeastCounted();
    sketch.ensureCapacity(100_000); // grows, rows tiled
    atLeastCounted();
    expect(sketch.frequency(hashKey('never seen', 42))).toBeLessThan(15);
  });

  it('halves every counter after 10 increments per sized entry', () => {
    const sketch = new FrequencySketch(64); // sized for 64 entries: halves after 640 increments
    const hot = hashKey('hot', 1);
    for (let n = 0; n < 12; n++) sketch.increment(hot);
    const others = Array.from({ length: 10 }, (_, i) => hashKey(`other:${i}`, 1));
    for (let i = 0; i < 627; i++) sketch.increment(others[i % 10]!);
    expect(sketch.frequency(hot)).toBe(12); // 639 increments
    sketch.increment(others[0]!);
    expect(sketch.frequency(hot)).toBe(6);
  });

  it('counts several uses at once, saturating at 15', () => {
    const sketch = new FrequencySketch(1_000);
    const hash = hashKey('k', 3);
    sketch.increment(hash, 10);
    sketch.increment(hash, 10);
    expect(sketch.frequency(hash)).toBe(15);
  });

  it('hashes keys by their content, long ones by both ends', () => {
    expect(hashKey('user:1', 9)).toBe(hashKey('user:1', 9));
    expect(hashKey('user:1', 9)).not.toBe(hashKey('user:2', 9));
    expect(hashKey('user:1', 9)).not.toBe(hashKey('user:1', 10));
    const long = (middle: string, end: string) => `${'a'.repeat(40)}${middle}${'b'.repeat(40)}${end}`;
    expect(hashKey(long('x', '1'), 9)).not.toBe(hashKey(long('x', '2'), 9));
    expect(hashKey(long('x', '1'), 9)).toBe(hashKey(long('y', '1'), 9)); // documented blur
  });
});
