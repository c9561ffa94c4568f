import { type DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { NO_EXPIRY } from '@cache/core';
import { isConditionFailure, namesFor, num } from './expressions.js';
import { ATTR, expiryFor, type Item, itemKey, metadataAttributes, ttlSeconds } from './item.js';
import type { EncodedKeyValue } from './item-keys.js';

/**
 * The conditional writes behind `increment` (see the README, "Semantics"):
 *
 * 1. {@link addToCounter}: `UpdateItem ADD` on a missing item or a live counter;
 * 2. {@link startCounter}: a fresh counter over an expired item;
 * 3. {@link convertToCounter}: a decimal byte value written with `set` becomes a
 *    counter, if it is still exactly what was read.
 *
 * Each returns whether its condition held; the store decides what to try next.
 * Which byte values are numeric is decided by the caller with core's
 * `decodeCounter` (canonical decimals only), never by DynamoDB's number parsing,
 * which would accept `"05"` or `"-0"`.
 */

/** Live = not expired (`exp` 0 means never). */
export const LIVE = '(#exp = :zero OR #exp > :now)';
/** Absent or expired: what `add` and a fresh counter may overwrite. */
export const ABSENT_OR_EXPIRED = '(attribute_not_exists(#pk) OR (#exp > :zero AND #exp <= :now))';

/** Where an item lives and how to reach it. */
export interface ItemTarget {
  readonly client: DynamoDBClient;
  readonly table: string;
  readonly pk: EncodedKeyValue;
  readonly sk: EncodedKeyValue;
  /** Aborts at the operation's deadline or when the caller aborts. */
  readonly signal: AbortSignal;
}

/** `SET`/`REMOVE` clauses writing the expiry for `ttl`. */
function expiryUpdate(ttl: number, now: number): { set: string; remove: string[]; values: Item } {
  const expiresAt = expiryFor(ttl, now);
  if (expiresAt === NO_EXPIRY)
    return { set: '#exp = :exp', remove: ['#ttl'], values: { ':exp': num(NO_EXPIRY) } };
  return {
    set: '#exp = :exp, #ttl = :ttl',
    remove: [],
    values: { ':exp': num(expiresAt), ':ttl': { N: ttlSeconds(expiresAt) } },
  };
}

/**
 * Step 1: `ADD` to a missing item (creating the counter at `delta`) or to a live
 * counter whose result stays a safe integer. `undefined` when the condition failed.
 */
export async function addToCounter(
  target: ItemTarget,
  delta: number,
  ttl: number,
): Promise<number | undefined> {
  const { sk } = target;
  const now = Date.now();
  const expiry = expiryUpdate(ttl, now);
  const hashed = sk.hashedFrom !== undefined;
  const set = hashed ? `${expiry.set}, #k = :k` : expiry.set;
  const update = `ADD #n :delta SET ${set}${expiry.remove.length > 0 ? ` REMOVE ${expiry.remove.join(', ')}` : ''}`;
  const liveCounter = `attribute_exists(#n) AND ${LIVE} AND #n BETWEEN :lo AND :hi${hashed ? ' AND #k = :k' : ''}`;
  const condition = `attribute_not_exists(#pk) OR (${liveCounter})`;
  try {
    const result = await target.client.send(
      new UpdateItemCommand({
        TableName: target.table,
        Key: itemKey(target.pk, sk),
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeNames: namesFor(update, condition),
        ExpressionAttributeValues: {
          ':delta': num(delta),
          ':zero': num(0),
          ':now': num(now),
          ':lo': num(delta < 0 ? Number.MIN_SAFE_INTEGER - delta : Number.MIN_SAFE_INTEGER),
          ':hi': num(delta > 0 ? Number.MAX_SAFE_INTEGER - delta : Number.MAX_SAFE_INTEGER),
          ...expiry.values,
          ...(hashed ? { ':k': { S: sk.hashedFrom as string } } : {}),
        },
        ReturnValues: 'UPDATED_NEW',
      }),
      { abortSignal: target.signal },
    );
    return Number(result.Attributes?.[ATTR.counter]?.N);
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

/** Step 2: a new counter at `delta` over an expired item (or a missing one, after a race). */
export async function startCounter(target: ItemTarget, delta: number, ttl: number): Promise<boolean> {
  const { sk } = target;
  const now = Date.now();
  const condition = sk.hashedFrom === undefined ? ABSENT_OR_EXPIRED : `${ABSENT_OR_EXPIRED} OR #k <> :k`;
  try {
    await target.client.send(
      new PutItemCommand({
        TableName: target.table,
        Item: {
          ...itemKey(target.pk, sk),
          [ATTR.counter]: num(delta),
          ...metadataAttributes(expiryFor(ttl, now), sk),
        },
        ConditionExpression: condition,
        ExpressionAttributeNames: namesFor(condition),
        ExpressionAttributeValues: {
          ':zero': num(0),
          ':now': num(now),
          ...(sk.hashedFrom === undefined ? {} : { ':k': { S: sk.hashedFrom } }),
        },
      }),
      { abortSignal: target.signal },
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/**
 * Step 3: replace a byte value (already checked to be a canonical decimal) by the
 * counter `next`, if the item still holds exactly those bytes with that expiry.
 */
export async function convertToCounter(
  target: ItemTarget,
  old: Uint8Array,
  oldExpiresAt: number,
  next: number,
  ttl: number,
): Promise<boolean> {
  const expiry = expiryUpdate(ttl, Date.now());
  const update = `SET #n = :next, ${expiry.set} REMOVE ${['#v', ...expiry.remove].join(', ')}`;
  const condition = '#v = :old AND #exp = :oldExp';
  try {
    await target.client.send(
      new UpdateItemCommand({
        TableName: target.table,
        Key: itemKey(target.pk, target.sk),
        UpdateExpression: update,
        ConditionExpression: condition,
        ExpressionAttributeNames: namesFor(update, condition),
        ExpressionAttributeValues: {
          ':next': num(next),
          ':old': { B: old },
          ':oldExp': num(oldExpiresAt),
          ...expiry.values,
        },
      }),
      { abortSignal: target.signal },
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}
