import type { DecodedEntry } from '../entry/entry-codec.js';
import { isFreshAt } from '../entry/lifetime.js';
import { acquireLock, type Lock } from '../helpers/lock.js';
import { internalKey } from '../keyspace/internal-keys.js';
import type { Tiers } from '../tiers/tiers.js';

/** A lease this long, extended while the factory runs: a crashed winner frees the key this fast. */
const LEASE_MS = 3_000;
const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 250;

/** What a distributed flight resolved to. */
export type DistributedOutcome =
  | { readonly kind: 'computed'; readonly value: unknown }
  | { readonly kind: 'found'; readonly value: unknown };

/**
 * Distributed single-flight for one key: across every process sharing the store,
 * one caller at a time holds the key's lease (an `add` of an owner token under the
 * internal key `\x1flease:<key>`, extended while the factory runs, released with
 * compare-and-delete) and computes; the others wait for the value it writes.
 *
 * - The winner re-reads the store first: the value may have landed just before.
 * - Waiters are woken by the tiers' `watch` (a bus message for the key) and poll
 *   the store with backoff otherwise; a lease that disappears without a value (the
 *   winner failed, or died and the lease expired) is contended for again.
 * - After `lockTimeoutMs`, a waiter computes itself: a bounded mini-stampede, never
 *   a hang.
 *
 * @param compute - the factory plus write, run by whoever wins (or gives up waiting)
 */
export async function distributedFlight(
  tiers: Tiers,
  key: string,
  lockTimeoutMs: number,
  compute: () => Promise<unknown>,
  signal: AbortSignal,
): Promise<DistributedOutcome> {
  const leaseKey = internalKey('lease', key);
  const giveUpAt = Date.now() + lockTimeoutMs;
  let delay = FIRST_POLL_MS;
  for (;;) {
    if (signal.aborted) throw signal.reason;
    const lease = await acquireLock(tiers.store, leaseKey, key, LEASE_MS, undefined);
    if (lease !== undefined) return { kind: 'computed', value: await runHolding(tiers, key, lease, compute) };
    const found = await freshValue(tiers, key);
    if (found !== undefined) return { kind: 'found', value: found.value };
    const remaining = giveUpAt - Date.now();
    if (remaining <= 0) return { kind: 'computed', value: await compute() };
    await tiers.watch(key, Math.min(delay, remaining));
    delay = Math.min(delay * 2, MAX_POLL_MS);
  }
}

async function runHolding(
  tiers: Tiers,
  key: string,
  lease: Lock,
  compute: () => Promise<unknown>,
): Promise<unknown> {
  // Keep the lease alive while the factory runs; a lost lease only means another
  // process may start computing too — the values are equivalent.
  const keepAlive = setInterval(() => {
    void lease.extend(LEASE_MS).catch(() => undefined);
  }, LEASE_MS / 3);
  keepAlive.unref?.();
  try {
    const found = await freshValue(tiers, key);
    if (found !== undefined) return found.value;
    return await compute();
  } finally {
    clearInterval(keepAlive);
    await lease.release().catch(() => undefined);
  }
}

async function freshValue(tiers: Tiers, key: string): Promise<DecodedEntry | undefined> {
  const entry = await tiers.read(key, undefined);
  return entry !== undefined && isFreshAt(entry.softExpiresAt, Date.now()) ? entry : undefined;
}
