import type { Cluster, Redis } from 'ioredis';
import type { RedisClient } from './client.js';
import { keySlot } from './key-slot.js';

/**
 * Batch commands over one server or a Cluster: one pipeline per node, one multi-key
 * command per hash slot (a Cluster refuses multi-key commands across slots with
 * `CROSSSLOT`), and the prefix-scoped `SCAN` + `UNLINK` of `flush()`.
 */

/** A pipeline of either kind of client. */
export type RedisPipeline = ReturnType<RedisClient['pipeline']>;

/** What `pipeline().exec()` resolves. */
type PipelineResults = [error: Error | null, result: unknown][] | null;

/** Keys per `SCAN` round trip of a flush. */
const SCAN_BATCH = 1000;

/**
 * Runs one pipeline per node (one for a standalone server). `fill` receives the
 * pipeline, the indexes of `redisKeys` that node owns, and those indexes grouped by
 * hash slot. Resolves every command's reply, in the order the commands were queued
 * (node by node); rejects with the first command error.
 */
export async function perNode(
  client: RedisClient,
  redisKeys: readonly string[],
  fill: (pipeline: RedisPipeline, indexes: number[], slots: number[][]) => void,
): Promise<unknown[]> {
  if (client.isCluster !== true) {
    const indexes = redisKeys.map((_, index) => index);
    const pipeline = client.pipeline();
    fill(pipeline, indexes, [indexes]);
    return unwrap(await pipeline.exec());
  }
  const cluster = client as Cluster;
  const nodes = new Map<string, Map<number, number[]>>();
  redisKeys.forEach((redisKey, index) => {
    const slot = keySlot(redisKey);
    // Before the slot table is known, fall back to one pipeline per slot.
    const node = cluster.slots[slot]?.[0] ?? `slot:${slot}`;
    let slots = nodes.get(node);
    if (slots === undefined) {
      slots = new Map();
      nodes.set(node, slots);
    }
    const group = slots.get(slot);
    if (group === undefined) slots.set(slot, [index]);
    else group.push(index);
  });
  const replies = await Promise.all(
    [...nodes.values()].map(async (slots) => {
      const groups = [...slots.values()];
      const pipeline = cluster.pipeline();
      fill(pipeline, groups.flat(), groups);
      return unwrap(await pipeline.exec());
    }),
  );
  return replies.flat();
}

/** `MGET` per hash slot, one pipeline per node; values in the order of `redisKeys`. */
export async function clusterGetMany(
  cluster: Cluster,
  redisKeys: readonly string[],
): Promise<(Uint8Array | undefined)[]> {
  const values: (Uint8Array | undefined)[] = new Array(redisKeys.length).fill(undefined);
  const plan: number[][] = [];
  const results = await perNode(cluster, redisKeys, (pipeline, _indexes, slots) => {
    for (const slotIndexes of slots) {
      plan.push(slotIndexes);
      pipeline.mgetBuffer(slotIndexes.map((index) => redisKeys[index] as string));
    }
  });
  // perNode returns the replies in the order the commands were queued across nodes.
  results.forEach((reply, commandIndex) => {
    const slotIndexes = plan[commandIndex] as number[];
    const buffers = reply as (Buffer | null)[];
    slotIndexes.forEach((keyIndex, position) => {
      values[keyIndex] = buffers[position] ?? undefined;
    });
  });
  return values;
}

/**
 * Deletes every key matching `pattern` with `SCAN MATCH` + `UNLINK`, on every master
 * of a Cluster. `bound` wraps each round trip (the store's per-call deadline), so a
 * long scan of a healthy server proceeds while a frozen one fails within one deadline.
 */
export async function flushMatching(
  client: RedisClient,
  pattern: string,
  bound: <T>(round: Promise<T>) => Promise<T>,
): Promise<void> {
  if (client.isCluster !== true) {
    await scanAndUnlink(client as Redis, pattern, bound, (keys) => client.unlink(keys));
    return;
  }
  const cluster = client as Cluster;
  await Promise.all(
    cluster.nodes('master').map((node) =>
      scanAndUnlink(node, pattern, bound, async (keys) => {
        // Sent through the Cluster client, one command per slot, so a slot that
        // moved meanwhile is followed instead of failing with MOVED.
        const bySlot = new Map<number, Buffer[]>();
        for (const key of keys) {
          const slot = keySlot(key);
          const group = bySlot.get(slot);
          if (group === undefined) bySlot.set(slot, [key]);
          else group.push(key);
        }
        await Promise.all([...bySlot.values()].map((group) => cluster.unlink(group)));
      }),
    ),
  );
}

/** Scans one server for `pattern` and hands each non-empty batch of keys to `unlink`. */
async function scanAndUnlink(
  node: Redis,
  pattern: string,
  bound: <T>(round: Promise<T>) => Promise<T>,
  unlink: (keys: Buffer[]) => Promise<unknown>,
): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await bound(node.scanBuffer(cursor, 'MATCH', pattern, 'COUNT', SCAN_BATCH));
    cursor = next.toString();
    if (keys.length > 0) await bound(unlink(keys));
  } while (cursor !== '0');
}

function unwrap(results: PipelineResults): unknown[] {
  if (results === null) throw new Error('pipeline was discarded');
  return results.map(([error, reply]) => {
    if (error !== null) throw error;
    return reply;
  });
}
