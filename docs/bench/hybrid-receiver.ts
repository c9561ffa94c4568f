/**
 * A receiving node of `hybrid.bench.ts`, forked by it (not a bench itself: the
 * runner only picks `*.bench.ts`). A `Cache` with an L1 and a `RedisBus`, whose L1
 * records when each key is evicted — the moment a remote write's message took
 * effect here. Times are `process.hrtime` in ms: CLOCK_MONOTONIC, one clock for
 * every process on the host, so the sender can subtract its own timestamps.
 *
 * Protocol: receives `{ url, prefix, channel, keys }`, reads every key (into L1),
 * sends `{ type: 'ready' }`; on `{ type: 'report' }` sends
 * `{ type: 'evictions', evictedAt }` (first eviction per key after ready) and exits.
 *
 * @packageDocumentation
 */

import { Cache } from '@cache/core';
import { MemoryStore } from '@cache/memory';
import { RedisBus, RedisStore } from '@cache/redis';

/** What the bench sends first. */
export interface ReceiverJob {
  readonly url: string;
  readonly prefix: string;
  readonly channel: string;
  readonly keys: readonly string[];
}

const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** An L1 that notes the first eviction of each key once `armed`. */
class TimedL1 extends MemoryStore {
  readonly evictedAt: Record<string, number> = {};
  armed = false;

  override delete(key: string): Promise<void> {
    if (this.armed && this.evictedAt[key] === undefined) this.evictedAt[key] = nowMs();
    return super.delete(key);
  }
}

process.once('message', async (job: ReceiverJob) => {
  const l1 = new TimedL1();
  const bus = new RedisBus({ url: job.url, channel: job.channel });
  const cache = new Cache({ store: new RedisStore({ url: job.url, prefix: job.prefix }), l1, bus });
  const deadline = Date.now() + 10_000;
  while ((await cache.health()).bus !== 'connected') {
    if (Date.now() > deadline) throw new Error('receiver: bus not connected within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  for (const key of job.keys) await cache.get(key);
  l1.armed = true;
  process.send?.({ type: 'ready' });
  process.once('message', async () => {
    await new Promise<void>((resolve) =>
      process.send?.({ type: 'evictions', evictedAt: l1.evictedAt }, () => resolve()),
    );
    await cache.close();
    await bus.close();
    process.disconnect?.();
  });
});
