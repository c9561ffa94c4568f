import { describe, expect, it, vi } from 'vitest';
import { MemoryStore } from '../src/index.js';
import { bytes, createStore, untilAfter } from './support.js';

describe('background sweep keeps up with insertions (default settings)', () => {
  it('reclaims 100,000 never-read entries with a 50 ms TTL within 3 s', async () => {
    const store = new MemoryStore({ maxEntries: 200_000 });
    try {
      const started = Date.now();
      for (let i = 0; i < 50_000; i++) store.putValue(`ref:${i}`, { i }, 50);
      for (let i = 0; i < 50_000; i++) await store.set(`bytes:${i}`, bytes('v'), 50);
      expect(store.size).toBe(100_000);
      await vi.waitFor(() => expect(store.size).toBe(0), { timeout: 3_000, interval: 20 });
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await store.close();
    }
  });

  it('keeps live entries and reclaims the expired ones mixed among them', async () => {
    const store = new MemoryStore({ maxEntries: 200_000 });
    try {
      for (let i = 0; i < 60_000; i++) {
        if (i % 3 === 0) store.putValue(`live:${i}`, i, 0);
        else store.putValue(`short:${i}`, i, 50);
      }
      await vi.waitFor(() => expect(store.size).toBe(20_000), { timeout: 3_000, interval: 20 });
      expect(store.peekValue('live:300')).toBe(300);
    } finally {
      await store.close();
    }
  });
});

describe('prune steps', () => {
  it('a step is bounded by pruneLimit however many entries have expired', async () => {
    const store = createStore({ pruneLimit: 1_000 });
    for (let i = 0; i < 5_000; i++) store.putValue(`k${i}`, i, 5);
    await untilAfter(Date.now() + 6);
    expect(store.prune()).toBe(1_000);
    expect(store.size).toBe(4_000);
  });

  it('grows while it meets expired entries: one step clears a dense backlog up to pruneLimit', async () => {
    const store = createStore(); // default pruneLimit 10,000
    for (let i = 0; i < 8_000; i++) store.putValue(`k${i}`, i, 5);
    await untilAfter(Date.now() + 6);
    // The step's time budget is not what this checks (a loaded CI machine may spend it
    // early): freeze the step's clock, so only the growth rule and pruneLimit count.
    const frozen = performance.now();
    const clock = vi.spyOn(performance, 'now').mockReturnValue(frozen);
    try {
      expect(store.prune()).toBe(8_000);
    } finally {
      clock.mockRestore();
    }
  });

  it('stops early among live entries, and still reaches expired ones after them', async () => {
    const store = createStore();
    for (let i = 0; i < 4_000; i++) store.putValue(`live${i}`, i, 60_000);
    for (let i = 0; i < 500; i++) store.putValue(`short${i}`, i, 5);
    await untilAfter(Date.now() + 6);
    // The first chunk (256 entries) is all live: the step stops there instead of scanning 4,500.
    expect(store.prune()).toBe(0);
    let removed = 0;
    let steps = 1;
    while (removed < 500 && steps < 40) {
      removed += store.prune();
      steps++;
    }
    expect(removed).toBe(500);
    expect(steps).toBeLessThanOrEqual(Math.ceil(4_000 / 256) + 2);
    expect(store.size).toBe(4_000);
  });

  it('costs nothing while no entry has a TTL', () => {
    const store = createStore();
    for (let i = 0; i < 1_000; i++) store.putValue(`k${i}`, i, 0);
    const internals = store as unknown as { pruner: { cursor: unknown } };
    expect(store.prune()).toBe(0);
    expect(internals.pruner.cursor).toBeUndefined(); // it did not even start walking
  });

  it('stops its catch-up timer once the backlog is gone, and close() clears every timer', async () => {
    const store = new MemoryStore({ pruneInterval: 10, pruneLimit: 500 });
    for (let i = 0; i < 20_000; i++) store.putValue(`k${i}`, i, 5);
    await vi.waitFor(() => expect(store.size).toBe(0), { timeout: 3_000, interval: 10 });
    const internals = store as unknown as { pruner: { behind: boolean } };
    expect(internals.pruner.behind).toBe(false);
    await store.close();
    expect((store as unknown as { timer: unknown }).timer).toBeUndefined();
    expect(store.prune()).toBe(0);
  });
});
