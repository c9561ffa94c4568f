/**
 * Batching helpers: DynamoDB caps BatchGetItem at 100 keys and BatchWriteItem
 * at 25 requests, and may hand part of a batch back as "unprocessed" under
 * load. Unprocessed parts are resent with exponential backoff and full jitter
 * (what AWS recommends) until a deadline.
 */

/** BatchGetItem's per-request key limit. */
export const BATCH_GET_LIMIT = 100;
/** BatchWriteItem's per-request limit. */
export const BATCH_WRITE_LIMIT = 25;

const BASE_DELAY_MS = 25;
const MAX_DELAY_MS = 1_000;

/** Splits `items` into consecutive chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** Raised when a batch still had unprocessed parts at its deadline. */
export class UnprocessedItemsError extends Error {
  /** @param remaining - how many items were still unprocessed */
  constructor(readonly remaining: number) {
    super(`${remaining} item(s) still unprocessed at the batch deadline (throttled)`);
    this.name = 'UnprocessedItemsError';
  }
}

/**
 * Sends `pending` with `send`, which returns the part the server left
 * unprocessed, and resends that part until nothing is left.
 *
 * @param deadlineAt - `Date.now()` value after which no retry is started
 * @throws {@link UnprocessedItemsError} when items remain at the deadline
 */
export async function sendUntilProcessed<T>(
  pending: T[],
  send: (batch: T[]) => Promise<T[]>,
  deadlineAt: number,
): Promise<void> {
  for (let attempt = 0; pending.length > 0; attempt++) {
    pending = await send(pending);
    if (pending.length === 0) return;
    const delay = Math.random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
    if (Date.now() + delay > deadlineAt) throw new UnprocessedItemsError(pending.length);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}
