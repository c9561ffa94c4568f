/** Small async helpers of the store's operations. */

export { untilAborted } from '@cache/core';

/** Short, jittered pause after a lost race. */
export function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(2 ** attempt, 50);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}
