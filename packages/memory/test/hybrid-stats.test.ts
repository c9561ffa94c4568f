import { Cache, MemoryBus } from '@cache/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryStore } from '../src/index.js';

/**
 * Stats of the hybrid tier, end to end: which tier answered, and the bus traffic
 * between two nodes sharing one L2 (a copy-mode memory store stands in for a
 * networked one: bytes, no by-reference shortcut).
 */
describe('stats() through the hybrid tier', () => {
  const caches: Cache[] = [];
  afterEach(async () => {
    await Promise.all(caches.splice(0).map((c) => c.close()));
  });

  async function twoNodes(): Promise<{ a: Cache; b: Cache; bus: MemoryBus }> {
    const l2 = new MemoryStore({ values: 'copy' });
    const bus = new MemoryBus();
    const a = new Cache({ store: l2, l1: new MemoryStore(), bus });
    const b = new Cache({ store: l2, l1: new MemoryStore(), bus });
    caches.push(a, b);
    // Both subscriptions active: a write on one evicts on the other.
    await vi.waitFor(async () => expect((await a.health()).bus).toBe('connected'));
    await vi.waitFor(async () => expect((await b.health()).bus).toBe('connected'));
    return { a, b, bus };
  }

  it('counts l1Hits and l2Hits by the tier that answered, l1 + l2 = hits', async () => {
    const { a, b } = await twoNodes();
    await a.set('k', 'v', '1m');
    expect(await a.get('k')).toBe('v'); // L1 (its own write)
    expect(await b.get('k')).toBe('v'); // L2, fills b's L1
    expect(await b.get('k')).toBe('v'); // L1
    expect(await b.remember('k', '1m', () => 'other')).toBe('v'); // L1, fast path
    expect(a.stats()).toMatchObject({ hits: 1, l1Hits: 1, l2Hits: 0, writes: 1 });
    expect(b.stats()).toMatchObject({ hits: 3, l1Hits: 2, l2Hits: 1, misses: 0 });
  });

  it('counts bus messages sent and received, and gaps', async () => {
    const { a, b } = await twoNodes();
    await a.set('x', 1, '1m');
    await vi.waitFor(() => expect(b.stats().busReceived).toBe(1));
    expect(a.stats().busPublished).toBe(1);
    await a.flush(); // a remote flush is a gap for the other node
    await vi.waitFor(() => expect(b.stats().busGaps).toBe(1));
    const gaps: string[] = [];
    b.on('bus:gap', (e) => gaps.push(e.reason));
    await a.flush();
    await vi.waitFor(() => expect(gaps).toEqual(['clear']));
  });
});

describe('cache:bus:message', () => {
  it('reports every message received from another node, with its propagation lag', async () => {
    const { subscribe, unsubscribe } = await import('node:diagnostics_channel');
    const seen: { cache: string; kind: string; keyCount: number; lagMs: number | undefined }[] = [];
    const onMessage = (message: unknown) => seen.push(message as (typeof seen)[number]);
    subscribe('cache:bus:message', onMessage);
    const l2 = new MemoryStore({ values: 'copy' });
    const bus = new MemoryBus();
    const a = new Cache({ store: l2, l1: new MemoryStore(), bus, name: 'a' });
    const b = new Cache({ store: l2, l1: new MemoryStore(), bus, name: 'b' });
    try {
      await vi.waitFor(async () => expect((await b.health()).bus).toBe('connected'));
      await vi.waitFor(async () => expect((await a.health()).bus).toBe('connected'));
      await a.set('k', 1, '1m');
      await vi.waitFor(() => expect(seen.filter((m) => m.cache === 'b')).toHaveLength(1));
      const [received] = seen.filter((m) => m.cache === 'b');
      expect(received).toMatchObject({ kind: 'evict', keyCount: 1 });
      expect(received?.lagMs).toBeGreaterThanOrEqual(0);
      expect(received?.lagMs).toBeLessThan(5_000);
    } finally {
      unsubscribe('cache:bus:message', onMessage);
      await Promise.all([a.close(), b.close()]);
    }
  });
});
