import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import {
  addCounter,
  bytesEqual,
  CacheError,
  CacheTimeoutError,
  ConflictError,
  decodeCounter,
  encodeCounter,
  InvalidValueError,
  NO_EXPIRY,
  type Store,
  type StoreCapabilities,
  StoreClosedError,
  type StoreEntry,
  StoreError,
  type StoreOperationOptions,
  ValueTooLargeError,
} from '@cache/core';
import { BATCH_GET_LIMIT, BATCH_WRITE_LIMIT, chunk, sendUntilProcessed } from './batch.js';
import { namesFor, num } from './expressions.js';
import {
  ATTR,
  expiryFor,
  type Item,
  itemKey,
  itemSize,
  metadataAttributes,
  readItem,
  stateBytes,
  ttlSeconds,
} from './item.js';
import { type EncodedKeyValue, encodeKeyValue } from './item-keys.js';
import { ITEM_OVERHEAD_RESERVE, MAX_ITEM_BYTES } from './item-size.js';
import {
  type DynamoStoreOptions,
  type ResolvedDynamoStoreOptions,
  resolveDynamoStoreOptions,
} from './options.js';
import { ensureTable } from './table-setup.js';

/** Live = not expired (`exp` 0 means never). */
const LIVE = '(#exp = :zero OR #exp > :now)';
/** Absent or expired: what `add` and a fresh counter may overwrite. */
const ABSENT_OR_EXPIRED = '(attribute_not_exists(#pk) OR (#exp > :zero AND #exp <= :now))';

/** Context of one running operation. */
interface Operation {
  /** Aborts at the operation's deadline or when the caller aborts. */
  readonly signal: AbortSignal;
  /** `Date.now()` of the deadline. */
  readonly deadlineAt: number;
}

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'ConditionalCheckFailedException';
}

/**
 * A {@link Store} on a DynamoDB table (or a DynamoDB-compatible server).
 *
 * - Schema: partition key `pk` = prefix, sort key `sk` = cache key (see
 *   `item-keys.ts` and `item.ts`); `flush` queries one partition.
 * - Expiry: `exp` (ms) is checked on every read and in every condition;
 *   `ttl` (s) feeds DynamoDB's native sweeper, which may lag by days.
 * - `add` and the counter paths are conditional writes; `increment` is a single
 *   `UpdateItem ADD` on a missing key or a live counter, with conditional
 *   fallbacks for an expired item and for a decimal value written with `set`.
 *
 * See the package README for the table schema, costs and trade-offs.
 */
export class DynamoStore implements Store {
  /** Driver name reported to observers. */
  readonly name = 'dynamodb';
  /** Shared, durable, millisecond TTLs, values up to the 400 KB item cap minus key overhead. */
  readonly capabilities: StoreCapabilities = {
    shared: true,
    durable: true,
    ttlResolutionMs: 1,
    maxValueBytes: MAX_ITEM_BYTES - ITEM_OVERHEAD_RESERVE,
  };

  readonly #options: ResolvedDynamoStoreOptions;
  readonly #client: DynamoDBClient;
  readonly #ownsClient: boolean;
  readonly #pk: EncodedKeyValue;
  #ready: Promise<void> | undefined;
  #closed = false;

  /**
   * @param options - client or client settings, table, prefix; see {@link DynamoStoreOptions}
   * @throws `ConfigError` for an invalid table name or conflicting options
   */
  constructor(options: DynamoStoreOptions = {}) {
    this.#options = resolveDynamoStoreOptions(options);
    this.#ownsClient = this.#options.client === undefined;
    this.#client = this.#options.client ?? new DynamoDBClient(this.#options.clientConfig);
    this.#pk = encodeKeyValue(this.#options.prefix);
  }

  /** The table this store uses. */
  get table(): string {
    return this.#options.table;
  }

  /** The prefix (partition) this store uses. */
  get prefix(): string {
    return this.#options.prefix;
  }

  async get(key: string, options?: StoreOperationOptions): Promise<Uint8Array | undefined> {
    const sk = encodeKeyValue(key);
    return this.#run('get', options, false, async (op) => {
      const result = await this.#client.send(
        new GetItemCommand({
          TableName: this.#options.table,
          Key: itemKey(this.#pk, sk),
          ConsistentRead: this.#options.consistentRead,
        }),
        { abortSignal: op.signal },
      );
      return stateBytes(readItem(result.Item, sk, Date.now()));
    });
  }

  async getMany(
    keys: readonly string[],
    options?: StoreOperationOptions,
  ): Promise<(Uint8Array | undefined)[]> {
    if (keys.length === 0) return [];
    // BatchGetItem rejects duplicate keys in one request.
    const unique = new Map<string, EncodedKeyValue>();
    for (const key of keys) if (!unique.has(key)) unique.set(key, encodeKeyValue(key));
    return this.#run('getMany', options, true, async (op) => {
      const found = new Map<string, Item>();
      const table = this.#options.table;
      await Promise.all(
        chunk([...unique.values()], BATCH_GET_LIMIT).map((part) =>
          sendUntilProcessed(
            part.map((sk) => itemKey(this.#pk, sk)),
            async (pending) => {
              const result = await this.#client.send(
                new BatchGetItemCommand({
                  RequestItems: { [table]: { Keys: pending, ConsistentRead: this.#options.consistentRead } },
                }),
                { abortSignal: op.signal },
              );
              for (const item of result.Responses?.[table] ?? []) {
                const sk = item[ATTR.sk]?.S;
                if (sk !== undefined) found.set(sk, item);
              }
              return result.UnprocessedKeys?.[table]?.Keys ?? [];
            },
            op.deadlineAt,
          ),
        ),
      );
      const now = Date.now();
      const returned = new Set<string>();
      return keys.map((key) => {
        const sk = unique.get(key) as EncodedKeyValue;
        const bytes = stateBytes(readItem(found.get(sk.value), sk, now));
        // A key asked for twice gets two buffers: mutating one must not change the other.
        if (bytes === undefined || !returned.has(key)) {
          returned.add(key);
          return bytes;
        }
        return bytes.slice();
      });
    });
  }

  async set(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<void> {
    const sk = encodeKeyValue(key);
    this.#checkSize(key, sk, value);
    await this.#run('set', options, false, async (op) => {
      await this.#client.send(
        new PutItemCommand({ TableName: this.#options.table, Item: this.#valueItem(sk, value, ttl) }),
        { abortSignal: op.signal },
      );
    });
  }

  async setMany(entries: readonly StoreEntry[], options?: StoreOperationOptions): Promise<void> {
    if (entries.length === 0) return;
    // BatchWriteItem rejects two requests for one key; the last entry wins, as with sequential sets.
    const latest = new Map<string, { sk: EncodedKeyValue; entry: StoreEntry }>();
    for (const entry of entries) {
      const sk = encodeKeyValue(entry.key);
      this.#checkSize(entry.key, sk, entry.value);
      latest.delete(entry.key);
      latest.set(entry.key, { sk, entry });
    }
    const requests: WriteRequest[] = [...latest.values()].map(({ sk, entry }) => ({
      PutRequest: { Item: this.#valueItem(sk, entry.value, entry.ttl) },
    }));
    await this.#run('setMany', options, true, (op) => this.#batchWrite(requests, op));
  }

  async add(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<boolean> {
    const sk = encodeKeyValue(key);
    this.#checkSize(key, sk, value);
    return this.#run('add', options, false, async (op) => {
      const condition = sk.hashedFrom === undefined ? ABSENT_OR_EXPIRED : `${ABSENT_OR_EXPIRED} OR #k <> :k`;
      try {
        await this.#client.send(
          new PutItemCommand({
            TableName: this.#options.table,
            Item: this.#valueItem(sk, value, ttl),
            ConditionExpression: condition,
            ExpressionAttributeNames: namesFor(condition),
            ExpressionAttributeValues: {
              ':zero': num(0),
              ':now': num(Date.now()),
              ...(sk.hashedFrom === undefined ? {} : { ':k': { S: sk.hashedFrom } }),
            },
          }),
          { abortSignal: op.signal },
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    });
  }

  async increment(key: string, delta: number, ttl: number, options?: StoreOperationOptions): Promise<number> {
    if (!Number.isSafeInteger(delta))
      throw new InvalidValueError(`increment delta must be a safe integer, got ${delta}`);
    const sk = encodeKeyValue(key);
    return this.#run('increment', options, false, async (op) => {
      for (let attempt = 0; attempt <= this.#options.maxConflictRetries; attempt++) {
        // 1. A missing key or a live counter: one atomic ADD (the common case, also
        //    under heavy concurrency on a brand-new key).
        const added = await this.#addToCounter(sk, delta, ttl, op);
        if (added !== undefined) return added;
        // 2. An expired item (or another key's, for a hashed key): start over at `delta`.
        if (await this.#startCounter(sk, delta, ttl, op)) return delta;
        // 3. Something live that step 1 refused: a counter near the safe-integer
        //    limit, or a decimal written with `set`. Look at it.
        const state = readItem(await this.#getItem(sk, op), sk, Date.now());
        if (state.kind === 'counter') {
          addCounter(key, state.value, delta); // throws NotNumericError when out of range
        } else if (state.kind === 'bytes') {
          const next = addCounter(key, decodeCounter(key, state.value), delta);
          if (await this.#convertToCounter(sk, state.value, state.expiresAt, next, ttl, op)) return next;
        }
        // The item changed between our requests: go again.
        await backoff(attempt);
      }
      throw new ConflictError(
        `dynamodb increment lost ${this.#options.maxConflictRetries + 1} races in a row on one key`,
      );
    });
  }

  async delete(key: string, options?: StoreOperationOptions): Promise<void> {
    const sk = encodeKeyValue(key);
    await this.#run('delete', options, false, async (op) => {
      await this.#client.send(
        new DeleteItemCommand({ TableName: this.#options.table, Key: itemKey(this.#pk, sk) }),
        {
          abortSignal: op.signal,
        },
      );
    });
  }

  async deleteMany(keys: readonly string[], options?: StoreOperationOptions): Promise<void> {
    if (keys.length === 0) return;
    const requests: WriteRequest[] = [...new Set(keys)].map((key) => ({
      DeleteRequest: { Key: itemKey(this.#pk, encodeKeyValue(key)) },
    }));
    await this.#run('deleteMany', options, true, (op) => this.#batchWrite(requests, op));
  }

  async deleteIfEquals(key: string, expected: Uint8Array, options?: StoreOperationOptions): Promise<boolean> {
    const sk = encodeKeyValue(key);
    // A counter holds `n`, which reads as its decimal bytes: compare it too when
    // `expected` is exactly such a decimal.
    const asCounter = canonicalCounter(key, expected);
    let condition = `${LIVE} AND (#v = :expected${asCounter === undefined ? '' : ' OR #n = :counter'})`;
    if (sk.hashedFrom !== undefined) condition += ' AND #k = :k';
    return this.#run('deleteIfEquals', options, false, async (op) => {
      try {
        await this.#client.send(
          new DeleteItemCommand({
            TableName: this.#options.table,
            Key: itemKey(this.#pk, sk),
            ConditionExpression: condition,
            ExpressionAttributeNames: namesFor(condition),
            ExpressionAttributeValues: {
              ':zero': num(0),
              ':now': num(Date.now()),
              ':expected': { B: expected },
              ...(asCounter === undefined ? {} : { ':counter': num(asCounter) }),
              ...(sk.hashedFrom === undefined ? {} : { ':k': { S: sk.hashedFrom } }),
            },
          }),
          { abortSignal: op.signal },
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    });
  }

  async flush(options?: StoreOperationOptions): Promise<void> {
    await this.#run('flush', options, true, async (op) => {
      // One partition per prefix: a Query, never a Scan of the table.
      let startKey: Item | undefined;
      const keyCondition = '#pk = :pk';
      const projection = '#pk, #sk';
      do {
        const page = await this.#client.send(
          new QueryCommand({
            TableName: this.#options.table,
            KeyConditionExpression: keyCondition,
            ProjectionExpression: projection,
            ExpressionAttributeNames: namesFor(keyCondition, projection),
            ExpressionAttributeValues: { ':pk': { S: this.#pk.value } },
            ConsistentRead: this.#options.consistentRead,
            ExclusiveStartKey: startKey,
          }),
          { abortSignal: op.signal },
        );
        const requests = (page.Items ?? []).map((item) => ({
          DeleteRequest: { Key: { [ATTR.pk]: item[ATTR.pk] ?? {}, [ATTR.sk]: item[ATTR.sk] ?? {} } as Item },
        }));
        await this.#batchWrite(requests, op);
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsClient) this.#client.destroy();
  }

  // ---------------------------------------------------------------- internals

  #valueItem(sk: EncodedKeyValue, value: Uint8Array, ttl: number): Item {
    return {
      ...itemKey(this.#pk, sk),
      [ATTR.value]: { B: value },
      ...metadataAttributes(expiryFor(ttl, Date.now()), sk),
    };
  }

  /** `SET`/`REMOVE` clauses writing the expiry for `ttl`. */
  #expiryUpdate(ttl: number, now: number): { set: string; remove: string[]; values: Item } {
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
   * Step 1 of increment: `ADD` to a missing item (creating the counter at
   * `delta`) or to a live counter whose result stays a safe integer.
   */
  async #addToCounter(
    sk: EncodedKeyValue,
    delta: number,
    ttl: number,
    op: Operation,
  ): Promise<number | undefined> {
    const now = Date.now();
    const expiry = this.#expiryUpdate(ttl, now);
    const hashed = sk.hashedFrom !== undefined;
    const set = hashed ? `${expiry.set}, #k = :k` : expiry.set;
    const update = `ADD #n :delta SET ${set}${expiry.remove.length > 0 ? ` REMOVE ${expiry.remove.join(', ')}` : ''}`;
    const liveCounter = `attribute_exists(#n) AND ${LIVE} AND #n BETWEEN :lo AND :hi${hashed ? ' AND #k = :k' : ''}`;
    const condition = `attribute_not_exists(#pk) OR (${liveCounter})`;
    try {
      const result = await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#options.table,
          Key: itemKey(this.#pk, sk),
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
        { abortSignal: op.signal },
      );
      return Number(result.Attributes?.[ATTR.counter]?.N);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** Step 2 of increment: a new counter at `delta` over an expired item (or a missing one, after a race). */
  async #startCounter(sk: EncodedKeyValue, delta: number, ttl: number, op: Operation): Promise<boolean> {
    const now = Date.now();
    const condition = sk.hashedFrom === undefined ? ABSENT_OR_EXPIRED : `${ABSENT_OR_EXPIRED} OR #k <> :k`;
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#options.table,
          Item: {
            ...itemKey(this.#pk, sk),
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
        { abortSignal: op.signal },
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Step 3 of increment: replace a decimal byte value by a counter, if it is still exactly what we read. */
  async #convertToCounter(
    sk: EncodedKeyValue,
    old: Uint8Array,
    oldExpiresAt: number,
    next: number,
    ttl: number,
    op: Operation,
  ): Promise<boolean> {
    const expiry = this.#expiryUpdate(ttl, Date.now());
    const update = `SET #n = :next, ${expiry.set} REMOVE ${['#v', ...expiry.remove].join(', ')}`;
    const condition = '#v = :old AND #exp = :oldExp';
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#options.table,
          Key: itemKey(this.#pk, sk),
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
        { abortSignal: op.signal },
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async #getItem(sk: EncodedKeyValue, op: Operation): Promise<Item | undefined> {
    const result = await this.#client.send(
      new GetItemCommand({
        TableName: this.#options.table,
        Key: itemKey(this.#pk, sk),
        ConsistentRead: true,
      }),
      { abortSignal: op.signal },
    );
    return result.Item;
  }

  /** BatchWriteItem in chunks of 25 (in parallel), resending unprocessed requests until the deadline. */
  async #batchWrite(requests: WriteRequest[], op: Operation): Promise<void> {
    const table = this.#options.table;
    await Promise.all(
      chunk(requests, BATCH_WRITE_LIMIT).map((part) =>
        sendUntilProcessed(
          part,
          async (pending) => {
            const result = await this.#client.send(
              new BatchWriteItemCommand({ RequestItems: { [table]: pending } }),
              {
                abortSignal: op.signal,
              },
            );
            return result.UnprocessedItems?.[table] ?? [];
          },
          op.deadlineAt,
        ),
      ),
    );
  }

  /** Rejects oversized values before anything is sent. */
  #checkSize(key: string, sk: EncodedKeyValue, value: Uint8Array): void {
    const cap = this.capabilities.maxValueBytes as number;
    if (value.byteLength > cap) throw new ValueTooLargeError(key, value.byteLength, cap);
    const size = itemSize(this.#pk, sk, value.byteLength);
    if (size > MAX_ITEM_BYTES) {
      throw new ValueTooLargeError(key, value.byteLength, value.byteLength - (size - MAX_ITEM_BYTES));
    }
  }

  /** The table setup, run once (and again after a failure). */
  #ensureReady(): Promise<void> {
    if (!this.#options.createTable) return Promise.resolve();
    this.#ready ??= ensureTable({
      client: this.#client,
      table: this.#options.table,
      readyTimeoutMs: this.#options.tableReadyTimeoutMs,
      signal: AbortSignal.timeout(this.#options.tableReadyTimeoutMs),
    }).catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  /**
   * Runs one operation under its deadline (and the caller's signal), after the
   * table setup, mapping every non-library error to a `StoreError`.
   */
  async #run<T>(
    operation: string,
    options: StoreOperationOptions | undefined,
    batch: boolean,
    body: (op: Operation) => Promise<T>,
  ): Promise<T> {
    if (this.#closed) throw new StoreClosedError(this.name);
    const caller = options?.signal;
    caller?.throwIfAborted();
    const timeoutMs = batch ? this.#options.batchTimeoutMs : this.#options.timeoutMs;
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = caller === undefined ? deadline : AbortSignal.any([caller, deadline]);
    try {
      await untilAborted(this.#ensureReady(), signal);
      return await body({ signal, deadlineAt: Date.now() + timeoutMs });
    } catch (error) {
      if (caller?.aborted) throw caller.reason;
      if (error instanceof CacheError) throw error;
      // The table vanished (deleted, or a local server restarted empty): set it up again next time.
      if ((error as { name?: unknown } | null)?.name === 'ResourceNotFoundException') this.#ready = undefined;
      if (deadline.aborted) {
        throw new StoreError(this.name, operation, new CacheTimeoutError(`dynamodb ${operation}`, timeoutMs));
      }
      throw new StoreError(this.name, operation, error);
    }
  }
}

/** `promise`, or a rejection as soon as `signal` aborts (the promise itself keeps running). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** The counter `expected` spells when it is exactly `encodeCounter(n)` for some safe integer `n`. */
function canonicalCounter(key: string, expected: Uint8Array): number | undefined {
  try {
    const value = decodeCounter(key, expected);
    return bytesEqual(encodeCounter(value), expected) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Short, jittered pause after a lost race. */
function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(2 ** attempt, 50);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}
