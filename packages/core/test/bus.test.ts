import { describe, expect, it, vi } from 'vitest';
import {
  type Bus,
  type BusListener,
  type BusMessage,
  CorruptPayloadError,
  decodeBusMessage,
  encodeBusMessage,
  MemoryBus,
} from '../src/index.js';
import { Coherence } from '../src/tiers/coherence.js';

describe('bus message format', () => {
  it('round-trips every field, binary-safe keys included', () => {
    const message: BusMessage = {
      sender: 'node-1',
      sequence: 42,
      kind: 'evict',
      keys: ['a', 'b:c', '中文', '', 'x'.repeat(70_000)],
    };
    expect(decodeBusMessage(encodeBusMessage(message))).toEqual(message);
    const clear: BusMessage = { sender: 'n', sequence: 1, kind: 'clear', keys: [] };
    expect(decodeBusMessage(encodeBusMessage(clear))).toEqual(clear);
  });

  it('carries the send time in version 2, and still reads version 1 (no send time)', () => {
    const timed: BusMessage = {
      sender: 'n',
      sequence: 7,
      kind: 'evict',
      keys: ['k'],
      sentAt: 1_764_000_000_123.5,
    };
    const bytes = encodeBusMessage(timed);
    expect(bytes[0]).toBe(2);
    expect(decodeBusMessage(bytes)).toEqual(timed);
    const untimed = encodeBusMessage({ sender: 'n', sequence: 7, kind: 'evict', keys: ['k'] });
    expect(untimed[0]).toBe(1);
    expect(decodeBusMessage(untimed)).not.toHaveProperty('sentAt');
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(() => decodeBusMessage(bytes.subarray(0, cut)), `cut at ${cut}`).toThrow(CorruptPayloadError);
    }
  });

  it('refuses truncated, foreign and trailing bytes with CorruptPayloadError', () => {
    const bytes = encodeBusMessage({ sender: 's', sequence: 1, kind: 'evict', keys: ['k'] });
    for (const bad of [
      bytes.subarray(0, 5),
      bytes.subarray(0, bytes.length - 1),
      Uint8Array.from([...bytes, 0]),
      Uint8Array.from([9, ...bytes.subarray(1)]),
    ]) {
      expect(() => decodeBusMessage(bad)).toThrow(CorruptPayloadError);
    }
  });
});

/** A bus whose publishes fail until `failing` is cleared. */
class FlakyBus implements Bus {
  readonly name = 'flaky';
  failing = true;
  readonly sent: BusMessage[] = [];
  async publish(message: BusMessage): Promise<void> {
    if (this.failing) throw new Error('bus down');
    this.sent.push(message);
  }
  async subscribe(_listener: BusListener) {
    return { unsubscribe: async () => {} };
  }
  async close(): Promise<void> {}
}

describe('coherence', () => {
  it('batches one tick of keys into one message and retries failed publishes in order', async () => {
    const bus = new FlakyBus();
    const errors: unknown[] = [];
    const coherence = new Coherence(bus, { evict() {}, gap() {}, error: (e) => errors.push(e) });
    coherence.announce(['a']);
    coherence.announce(['b', 'a']);
    await Promise.resolve();
    coherence.announce(['c']);
    await vi.waitFor(() => expect(errors.length).toBeGreaterThanOrEqual(2));
    bus.failing = false;
    await vi.waitFor(() => expect(bus.sent).toHaveLength(2), { timeout: 5_000 });
    expect(bus.sent.map((m) => [m.sequence, m.keys])).toEqual([
      [1, ['a', 'b']],
      [2, ['c']],
    ]);
    await coherence.close();
  });

  it('ignores its own messages, evicts on others, and turns a sequence hole or a lost connection into a gap', async () => {
    const bus = new MemoryBus();
    const seen: string[] = [];
    const node = new Coherence(bus, {
      evict: (keys) => seen.push(`evict ${keys.join(',')}`),
      gap: (why) => seen.push(`gap ${why}`),
      error() {},
    });
    node.start();
    await vi.waitFor(() => expect(node.connected).toBe(true));
    const generation = node.generation;
    node.message({ sender: node.nodeId, sequence: 1, kind: 'evict', keys: ['mine'] });
    node.message({ sender: 'other', sequence: 7, kind: 'evict', keys: ['k'] });
    node.message({ sender: 'other', sequence: 8, kind: 'evict', keys: ['j'] });
    expect(node.generation, 'in-order messages keep the generation').toBe(generation);
    node.message({ sender: 'other', sequence: 10, kind: 'evict', keys: ['l'] });
    expect(node.generation, 'a hole moves it on').toBe(generation + 1);
    node.lost();
    expect(node.connected).toBe(false);
    node.restored();
    expect(node.connected).toBe(true);
    expect(node.generation).toBeGreaterThan(generation + 1);
    expect(seen).toEqual(['evict k', 'evict j', 'gap sequence', 'evict l', 'gap connection']);
    await node.close();
  });
});
