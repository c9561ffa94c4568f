import type { CacheCallContext } from '@cache/core';
import type { Attributes, Counter } from '@opentelemetry/api';
import { ATTR } from './attributes.js';

/** The tracing channel families of facade calls (`cache:<family>`). */
export type CallFamily = 'get' | 'set' | 'remember' | 'delete' | 'lock';

/** The families whose `hit` says whether a value was served (for `lock`, it says "acquired" or "allowed"). */
const READS: ReadonlySet<CallFamily> = new Set<CallFamily>(['get', 'remember']);

/** Attributes known when a call starts. */
export function callStartAttributes(call: CacheCallContext, captureKeys: boolean): Attributes {
  const attributes: Attributes = {
    [ATTR.cacheName]: call.cache,
    [ATTR.cacheOperation]: call.operation,
    [ATTR.cacheStore]: call.store,
  };
  if (call.namespace !== undefined) attributes[ATTR.cacheNamespace] = call.namespace;
  if (call.keys !== undefined) attributes[ATTR.cacheBatchSize] = call.keys.length;
  if (captureKeys) {
    if (call.key !== undefined) attributes[ATTR.cacheKey] = call.key;
    if (call.keys !== undefined) attributes[ATTR.cacheKeys] = [...call.keys];
  }
  return attributes;
}

/** Span attributes of a call's outcome (set by core before `asyncEnd`). */
export function callOutcomeAttributes(family: CallFamily, call: CacheCallContext): Attributes {
  const attributes: Attributes = {};
  if (READS.has(family)) {
    if (call.hit !== undefined) attributes[ATTR.cacheHit] = call.hit;
    if (call.stale !== undefined) attributes[ATTR.cacheStale] = call.stale;
    if (call.tier !== undefined) attributes[ATTR.cacheTier] = call.tier;
    if (call.hits !== undefined) attributes[ATTR.cacheBatchHits] = countTrue(call.hits);
    if (call.stales !== undefined) attributes[ATTR.cacheBatchStales] = countTrue(call.stales);
  } else if (family === 'lock' && call.hit !== undefined) {
    const name = call.operation === 'rateLimit' ? ATTR.cacheRateLimitAllowed : ATTR.cacheLockAcquired;
    attributes[name] = call.hit;
  }
  return attributes;
}

/** Attributes of a call's `cache.operation.duration` point: no key or namespace (unbounded cardinality). */
export function callMetricAttributes(
  family: CallFamily,
  call: CacheCallContext,
  errorType: string | undefined,
): Attributes {
  const attributes: Attributes = { [ATTR.cacheName]: call.cache, [ATTR.cacheOperation]: call.operation };
  if (errorType !== undefined) {
    attributes[ATTR.errorType] = errorType;
    return attributes;
  }
  if (READS.has(family) && call.hit !== undefined) attributes[ATTR.cacheHit] = call.hit;
  if (call.tier !== undefined) attributes[ATTR.cacheTier] = call.tier;
  return attributes;
}

type Result = 'hit' | 'miss' | 'stale';

function resultOf(hit: boolean | undefined, stale: boolean | undefined): Result {
  if (stale === true) return 'stale';
  return hit === true ? 'hit' : 'miss';
}

/** Adds a successful read's outcome to `cache.requests`: one per key, by `cache.result` (and tier). */
export function countRequests(counter: Counter, family: CallFamily, call: CacheCallContext): void {
  if (!READS.has(family)) return;
  const base: Attributes = { [ATTR.cacheName]: call.cache, [ATTR.cacheOperation]: call.operation };
  const { hits } = call;
  if (hits !== undefined) {
    // Per-key tiers are not published for batches: the counts carry no tier.
    const counts: Record<Result, number> = { hit: 0, miss: 0, stale: 0 };
    hits.forEach((hit, i) => {
      counts[resultOf(hit, call.stales?.[i])]++;
    });
    for (const result of ['hit', 'miss', 'stale'] as const) {
      if (counts[result] > 0) counter.add(counts[result], { ...base, [ATTR.cacheResult]: result });
    }
    return;
  }
  if (call.hit === undefined && call.stale === undefined) return;
  const attributes: Attributes = { ...base, [ATTR.cacheResult]: resultOf(call.hit, call.stale) };
  if (call.tier !== undefined) attributes[ATTR.cacheTier] = call.tier;
  counter.add(1, attributes);
}

function countTrue(flags: readonly boolean[]): number {
  let count = 0;
  for (const flag of flags) if (flag) count++;
  return count;
}
