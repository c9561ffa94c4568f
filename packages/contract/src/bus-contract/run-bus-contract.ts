import { randomBytes } from 'node:crypto';
import type { Bus, BusListener, BusMessage } from '@cache/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveSkipList, type SkipList } from '../support/skip-list.js';

/** What a bus factory receives. */
export interface BusContext {
  /** A fresh channel name for one test: buses on the same channel talk, others never hear them. */
  readonly channel: string;
}

/** Options of {@link runBusContract}. */
export interface BusContractOptions {
  /** Shown in the suite title: `bus contract: <name>`. */
  readonly name: string;
  /** A new bus on `channel` (each call a new connection). */
  readonly create: (context: BusContext) => Bus | Promise<Bus>;
  /**
   * Cuts the connection of `bus` from the server side (e.g. `CLIENT KILL` of its
   * subscriber connection), so the suite can check that loss and recovery are
   * reported and delivery resumes. Omit to skip that check (with its reason printed).
   */
  readonly disconnect?: (bus: Bus) => Promise<void>;
  /** Checks to leave out by name, or name → reason. */
  readonly skip?: SkipList;
  /** Per-test timeout in ms. Default 20,000. */
  readonly timeoutMs?: number;
}

const WAIT = { interval: 10, timeout: 10_000 };

/** A {@link BusListener} that records what it receives: messages, losses, recoveries. */
export class BusRecorder implements BusListener {
  /** Every message received, in order. */
  readonly messages: BusMessage[] = [];
  /** How many times `lost()` was called. */
  lostCount = 0;
  /** How many times `restored()` was called. */
  restoredCount = 0;
  /** Records a message. */
  message(message: BusMessage): void {
    this.messages.push(message);
  }
  /** Counts a lost connection. */
  lost(): void {
    this.lostCount++;
  }
  /** Counts a recovery. */
  restored(): void {
    this.restoredCount++;
  }
  /** Messages from `sender`. */
  from(sender: string): BusMessage[] {
    return this.messages.filter((m) => m.sender === sender);
  }
}

function message(
  sender: string,
  sequence: number,
  keys: readonly string[],
  kind: BusMessage['kind'] = 'evict',
): BusMessage {
  return { sender, sequence, kind, keys };
}

interface BusCheck {
  readonly name: string;
  readonly run: (
    open: (channel?: string) => Promise<Bus>,
    channel: string,
    options: BusContractOptions,
  ) => Promise<void>;
}

const checks: readonly BusCheck[] = [
  {
    name: 'publish reaches every other subscriber of the channel, decoded intact',
    async run(open, channel) {
      const [a, b, c] = [await open(channel), await open(channel), await open(channel)];
      const rb = new BusRecorder();
      const rc = new BusRecorder();
      await (b as Bus).subscribe(rb);
      await (c as Bus).subscribe(rc);
      const keys = ['plain', 'with:colons', 'unicode 中文 🚀', 'line\nbreak', 'x'.repeat(1024)];
      await (a as Bus).publish(message('node-a', 1, keys));
      await (a as Bus).publish(message('node-a', 2, [], 'clear'));
      for (const recorder of [rb, rc]) {
        await vi.waitFor(() => expect(recorder.from('node-a')).toHaveLength(2), WAIT);
        expect(recorder.from('node-a')).toEqual([
          message('node-a', 1, keys),
          message('node-a', 2, [], 'clear'),
        ]);
      }
    },
  },
  {
    name: "one sender's messages arrive in order, each at most once; a batch of 1,000 keys arrives whole",
    async run(open, channel) {
      const [a, b] = [await open(channel), await open(channel)];
      const rb = new BusRecorder();
      await (b as Bus).subscribe(rb);
      const sent = 200;
      await Promise.all(
        Array.from({ length: sent }, (_, i) => (a as Bus).publish(message('node-a', i + 1, [`k${i}`]))),
      );
      await vi.waitFor(() => expect(rb.from('node-a').length).toBeGreaterThanOrEqual(sent), WAIT);
      expect(rb.from('node-a').map((m) => m.sequence)).toEqual(Array.from({ length: sent }, (_, i) => i + 1));
      const many = Array.from({ length: 1000 }, (_, i) => `batch:${i}`);
      await (a as Bus).publish(message('node-a', sent + 1, many));
      await vi.waitFor(() => expect(rb.from('node-a').length).toBe(sent + 1), WAIT);
      expect(rb.from('node-a').at(-1)?.keys).toEqual(many);
    },
  },
  {
    name: 'buses on another channel never hear it; unsubscribe stops delivery',
    async run(open, channel) {
      const a = await open(channel);
      const b = await open(channel);
      const other = await open(`${channel}-other`);
      const rb = new BusRecorder();
      const ro = new BusRecorder();
      const subscription = await b.subscribe(rb);
      await other.subscribe(ro);
      await a.publish(message('node-a', 1, ['k']));
      await vi.waitFor(() => expect(rb.from('node-a')).toHaveLength(1), WAIT);
      await subscription.unsubscribe();
      await a.publish(message('node-a', 2, ['k']));
      // A third subscriber proves the second message was delivered before we check absence.
      const late = await open(channel);
      const rl = new BusRecorder();
      await late.subscribe(rl);
      await a.publish(message('node-a', 3, ['k']));
      await vi.waitFor(() => expect(rl.from('node-a').map((m) => m.sequence)).toContain(3), WAIT);
      expect(
        rb.from('node-a').map((m) => m.sequence),
        'nothing after unsubscribe',
      ).toEqual([1]);
      expect(ro.messages, 'another channel hears nothing').toEqual([]);
    },
  },
  {
    name: 'close is idempotent, leaves other buses working, and publish after close rejects',
    async run(open, channel) {
      const a = await open(channel);
      const b = await open(channel);
      const rb = new BusRecorder();
      await b.subscribe(rb);
      const closing = await open(channel);
      await closing.subscribe(new BusRecorder());
      await closing.close();
      await expect(closing.close(), 'second close').resolves.toBeUndefined();
      await expect(closing.publish(message('gone', 1, ['k'])), 'publish after close').rejects.toBeDefined();
      await a.publish(message('node-a', 1, ['still']));
      await vi.waitFor(() => expect(rb.from('node-a')).toHaveLength(1), WAIT);
    },
  },
  {
    name: 'a lost connection is reported, then its recovery, and delivery resumes',
    async run(open, channel, options) {
      const disconnect = options.disconnect as NonNullable<BusContractOptions['disconnect']>;
      const a = await open(channel);
      const b = await open(channel);
      const rb = new BusRecorder();
      await b.subscribe(rb);
      await disconnect(b);
      await vi.waitFor(() => expect(rb.lostCount, 'lost() reported').toBeGreaterThanOrEqual(1), WAIT);
      await vi.waitFor(() => expect(rb.restoredCount, 'restored() reported').toBeGreaterThanOrEqual(1), WAIT);
      await vi.waitFor(async () => {
        await a.publish(message('node-a', rb.messages.length + 1, ['after']));
        expect(rb.from('node-a').length, 'delivered after recovery').toBeGreaterThanOrEqual(1);
      }, WAIT);
    },
  },
];

/** Names of the checks {@link runBusContract} registers. */
export const BUS_CONTRACT_CHECKS: readonly string[] = checks.map((check) => check.name);

/**
 * Registers `describe('bus contract: <name>')`: the Bus contract (delivery to every
 * other subscriber, per-sender order, at most once, batches, channel isolation,
 * unsubscribe, close, connection loss and recovery) against a real bus. Every test
 * uses fresh channels and closes every bus it opened.
 */
export function runBusContract(options: BusContractOptions): void {
  const suite = `bus contract: ${options.name}`;
  const skip =
    options.disconnect === undefined
      ? {
          'a lost connection is reported, then its recovery, and delivery resumes': 'no disconnect() given',
          ...asRecord(options.skip),
        }
      : options.skip;
  const skipped = resolveSkipList(suite, BUS_CONTRACT_CHECKS, skip);
  describe(suite, () => {
    const opened: Bus[] = [];
    afterEach(async () => {
      await Promise.allSettled(opened.splice(0).map((bus) => bus.close()));
    });
    for (const check of checks) {
      const reason = skipped.get(check.name);
      if (reason !== undefined) {
        // Listed in options.skip (or no disconnect() given): registered as skipped, its reason in the title.
        // Left out by the suite's caller (`options.skip`); its reason is in the title and printed once.
        it.skip(`${check.name} [skipped: ${reason}]`, () => {});
        continue;
      }
      it(
        check.name,
        async () => {
          const channel = `bc_${randomBytes(6).toString('hex')}`;
          const open = async (name = channel): Promise<Bus> => {
            const bus = await options.create({ channel: name });
            opened.push(bus);
            return bus;
          };
          await check.run(open, channel, options);
        },
        options.timeoutMs ?? 20_000,
      );
    }
  });
}

function asRecord(skip: SkipList | undefined): Record<string, string> {
  if (skip === undefined) return {};
  if (Array.isArray(skip))
    return Object.fromEntries((skip as readonly string[]).map((name) => [name, 'listed in options.skip']));
  return { ...(skip as Record<string, string>) };
}
