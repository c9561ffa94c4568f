import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type DynamoDBClient,
  QueryCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { namesFor } from './expressions.js';
import { ATTR, type Item } from './item.js';

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

/** Where a batch goes, and under which deadline. */
export interface BatchTarget {
  readonly client: DynamoDBClient;
  readonly table: string;
  readonly consistentRead: boolean;
  /** Aborts at the operation's deadline or when the caller aborts. */
  readonly signal: AbortSignal;
  /** `Date.now()` value after which no retry of unprocessed parts is started. */
  readonly deadlineAt: number;
}

/**
 * BatchGetItem of `keys` (unique) in chunks of 100, in parallel, resending
 * unprocessed keys until the deadline. Returns the items found, by `sk` value.
 */
export async function batchGet(target: BatchTarget, keys: Item[]): Promise<Map<string, Item>> {
  const { client, table } = target;
  const found = new Map<string, Item>();
  await Promise.all(
    chunk(keys, BATCH_GET_LIMIT).map((part) =>
      sendUntilProcessed(
        part,
        async (pending) => {
          const result = await client.send(
            new BatchGetItemCommand({
              RequestItems: { [table]: { Keys: pending, ConsistentRead: target.consistentRead } },
            }),
            { abortSignal: target.signal },
          );
          for (const item of result.Responses?.[table] ?? []) {
            const sk = item[ATTR.sk]?.S;
            if (sk !== undefined) found.set(sk, item);
          }
          return result.UnprocessedKeys?.[table]?.Keys ?? [];
        },
        target.deadlineAt,
      ),
    ),
  );
  return found;
}

/** BatchWriteItem in chunks of 25 (in parallel), resending unprocessed requests until the deadline. */
export async function batchWrite(target: BatchTarget, requests: WriteRequest[]): Promise<void> {
  const { client, table } = target;
  await Promise.all(
    chunk(requests, BATCH_WRITE_LIMIT).map((part) =>
      sendUntilProcessed(
        part,
        async (pending) => {
          const result = await client.send(
            new BatchWriteItemCommand({ RequestItems: { [table]: pending } }),
            {
              abortSignal: target.signal,
            },
          );
          return result.UnprocessedItems?.[table] ?? [];
        },
        target.deadlineAt,
      ),
    ),
  );
}

/**
 * Deletes every item of the partition `pk`: a Query of its keys, page by page,
 * each page deleted in batches. One partition per prefix, so never a table Scan.
 */
export async function deletePartition(target: BatchTarget, pk: string): Promise<void> {
  let startKey: Item | undefined;
  const keyCondition = '#pk = :pk';
  const projection = '#pk, #sk';
  do {
    const page = await target.client.send(
      new QueryCommand({
        TableName: target.table,
        KeyConditionExpression: keyCondition,
        ProjectionExpression: projection,
        ExpressionAttributeNames: namesFor(keyCondition, projection),
        ExpressionAttributeValues: { ':pk': { S: pk } },
        ConsistentRead: target.consistentRead,
        ExclusiveStartKey: startKey,
      }),
      { abortSignal: target.signal },
    );
    const requests = (page.Items ?? []).map((item) => ({
      DeleteRequest: { Key: { [ATTR.pk]: item[ATTR.pk] ?? {}, [ATTR.sk]: item[ATTR.sk] ?? {} } as Item },
    }));
    await batchWrite(target, requests);
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
}
