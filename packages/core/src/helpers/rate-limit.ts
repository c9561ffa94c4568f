import type { Store } from '../store.js';

/** Outcome of one `rateLimit` call. */
export interface RateLimitResult {
  /** Whether this call is within the limit. */
  readonly allowed: boolean;
  /** Calls counted in the current window, this one included. */
  readonly count: number;
  /** Calls left in the current window. */
  readonly remaining: number;
  /** When the current window ends (ms since epoch). */
  readonly resetAt: number;
}

/**
 * Fixed-window rate limiting on the store's atomic `increment`: each window has
 * its own counter key `rate:<key>:<windowStart>`, so counts are shared by every
 * process on a shared store and a new window starts from zero without a reset.
 * Windows are aligned to the epoch, so all processes agree on boundaries (given
 * roughly synchronised clocks).
 */
export async function countRequest(
  store: Store,
  key: string,
  limit: number,
  windowMs: number,
  signal: AbortSignal | undefined,
): Promise<RateLimitResult> {
  const now = Date.now();
  const windowStart = now - (now % windowMs);
  const resetAt = windowStart + windowMs;
  // The counter only needs to outlive its window; it refreshes on each hit.
  const ttl = Math.max(1, resetAt - now);
  const count = await store.increment(
    `rate:${key}:${windowStart}`,
    1,
    ttl,
    signal === undefined ? undefined : { signal },
  );
  return { allowed: count <= limit, count, remaining: Math.max(0, limit - count), resetAt };
}
