import { internalKey } from '../keyspace/internal-keys.js';
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

/** How long a window's counter outlives the window. */
const WINDOW_SLACK_MS = 1_000;

/**
 * Fixed-window rate limiting on the store's atomic `increment`: each window has
 * its own counter under the internal key `rate:<key>:<windowStart>` (see `internal-keys.ts`), so counts are shared by every
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
  // The counter must outlive its window: a TTL ending exactly at the window's end let a
  // call near the end (its increment sent a few ms later, or from a process whose clock
  // runs a little behind) find the counter already expired and start again from 1. The
  // key names its window, so the slack never carries counts into the next one.
  const ttl = Math.max(1, resetAt - now) + WINDOW_SLACK_MS;
  const count = await store.increment(
    internalKey('rate', `${key}:${windowStart}`),
    1,
    ttl,
    signal === undefined ? undefined : { signal },
  );
  return { allowed: count <= limit, count, remaining: Math.max(0, limit - count), resetAt };
}
