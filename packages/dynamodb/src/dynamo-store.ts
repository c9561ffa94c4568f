import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
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
  type Store,
  type StoreCapabilities,
  type StoreEntry,
  StoreError,
  StoreLifecycle,
  type StoreOperationOptions,
  ValueTooLargeError,
} from '@cache/core';
import { type BatchTarget, batchGet, batchWrite, deletePartition } from './batch.js';
import {
  ABSENT_OR_EXPIRED,
  addToCounter,
  convertToCounter,
  type ItemTarget,
  LIVE,
  startCounter,
} from './counter-writes.js';
import { isConditionFailure, namesFor, num } from './expressions.js';
import {
  ATTR,
  expiryFor,
  type Item,
  itemKey,
  itemSize,
  metadataAttributes,
  readItem,
  stateBytes,
} from './item.js';
import { type EncodedKeyValue, encodeKeyValue, encodeSortKey } from './item-keys.js';
import { ITEM_OVERHEAD_RESERVE, MAX_ITEM_BYTES } from './item-size.js';
import {
  type DynamoStoreOptions,
  type ResolvedDynamoStoreOptions,
  resolveDynamoStoreOptions,
} from './options.js';
import { ensureTable } from './table-setup.js';
import { backoff, untilAborted } from './timing.js';

/** Context of one running operation. */
interface Operation {
  /** Aborts at the operation's deadline or when the caller aborts. */
  readonly signal: AbortSignal;
  /** `Date.now()` of the deadline. */
  readonly deadlineAt: number;
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
 * - `close()` refuses new calls at once (`StoreClosedError`), waits for the calls
 *   in flight, then destroys a client it created; an injected client is never
 *   destroyed.
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
  readonly #lifecycle = new StoreLifecycle('dynamodb');
  #ready: Promise<void> | undefined;

  /**
   * @param options - prefix (required), client or client settings, table; see {@link DynamoStoreOptions}
   * @throws `ConfigError` for a missing or invalid prefix, an invalid table name,
   *   conflicting options, or an option name of an earlier version
   */
  constructor(options: DynamoStoreOptions) {
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

  // Every public call returns the lifecycle's promise as it is (no `async` wrapper,
  // which would settle a few ticks after `close()` has already resolved). Keys are
  // checked and encoded inside it, before anything is sent; a throw there rejects.

  get(key: string, options?: StoreOperationOptions): Promise<Uint8Array | undefined> {
    return this.#lifecycle.run(() => {
      const sk = encodeSortKey(key);
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
    });
  }

  getMany(keys: readonly string[], options?: StoreOperationOptions): Promise<(Uint8Array | undefined)[]> {
    return this.#lifecycle.run(() => {
      // BatchGetItem rejects duplicate keys in one request. Every key is checked before anything is sent.
      const unique = new Map<string, EncodedKeyValue>();
      for (const key of keys) if (!unique.has(key)) unique.set(key, encodeSortKey(key));
      if (keys.length === 0) return Promise.resolve([]);
      return this.#run('getMany', options, true, async (op) => {
        const itemKeys = [...unique.values()].map((sk) => itemKey(this.#pk, sk));
        const found = await batchGet(this.#batchTarget(op), itemKeys);
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
    });
  }

  set(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<void> {
    return this.#lifecycle.run(() => {
      const sk = encodeSortKey(key);
      this.#checkSize(key, sk, value);
      return this.#run('set', options, false, async (op) => {
        await this.#client.send(
          new PutItemCommand({ TableName: this.#options.table, Item: this.#valueItem(sk, value, ttl) }),
          { abortSignal: op.signal },
        );
      });
    });
  }

  setMany(entries: readonly StoreEntry[], options?: StoreOperationOptions): Promise<void> {
    return this.#lifecycle.run(() => {
      if (entries.length === 0) return Promise.resolve();
      // BatchWriteItem rejects two requests for one key; the last entry wins, as with sequential sets.
      const latest = new Map<string, { sk: EncodedKeyValue; entry: StoreEntry }>();
      for (const entry of entries) {
        const sk = encodeSortKey(entry.key);
        this.#checkSize(entry.key, sk, entry.value);
        latest.delete(entry.key);
        latest.set(entry.key, { sk, entry });
      }
      const requests: WriteRequest[] = [...latest.values()].map(({ sk, entry }) => ({
        PutRequest: { Item: this.#valueItem(sk, entry.value, entry.ttl) },
      }));
      return this.#run('setMany', options, true, (op) => batchWrite(this.#batchTarget(op), requests));
    });
  }

  add(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<boolean> {
    return this.#lifecycle.run(() => {
      const sk = encodeSortKey(key);
      this.#checkSize(key, sk, value);
      return this.#run('add', options, false, async (op) => {
        const condition =
          sk.hashedFrom === undefined ? ABSENT_OR_EXPIRED : `${ABSENT_OR_EXPIRED} OR #k <> :k`;
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
    });
  }

  increment(key: string, delta: number, ttl: number, options?: StoreOperationOptions): Promise<number> {
    return this.#lifecycle.run(() => {
      if (!Number.isSafeInteger(delta))
        throw new InvalidValueError(`increment delta must be a safe integer, got ${delta}`);
      const sk = encodeSortKey(key);
      return this.#run('increment', options, false, async (op) => {
        const target: ItemTarget = {
          client: this.#client,
          table: this.#options.table,
          pk: this.#pk,
          sk,
          signal: op.signal,
        };
        for (let attempt = 0; attempt <= this.#options.maxConflictRetries; attempt++) {
          // 1. A missing key or a live counter: one atomic ADD (the common case, also
          //    under heavy concurrency on a brand-new key).
          const added = await addToCounter(target, delta, ttl);
          if (added !== undefined) return added;
          // 2. An expired item (or another key's, for a hashed key): start over at `delta`.
          if (await startCounter(target, delta, ttl)) return delta;
          // 3. Something live that step 1 refused: a counter near the safe-integer
          //    limit, or a value written with `set`. Look at it.
          const state = readItem(await this.#getItem(sk, op), sk, Date.now());
          if (state.kind === 'counter') {
            addCounter(key, state.value, delta); // throws NotNumericError when out of range
          } else if (state.kind === 'bytes') {
            // Core's one rule: only canonical decimals ("05", "-0", "+5" are NotNumericError, kept as bytes).
            const next = addCounter(key, decodeCounter(key, state.value), delta);
            if (await convertToCounter(target, state.value, state.expiresAt, next, ttl)) return next;
          }
          // The item changed between our requests: go again.
          await backoff(attempt);
        }
        throw new ConflictError(
          `dynamodb increment lost ${this.#options.maxConflictRetries + 1} races in a row on one key`,
        );
      });
    });
  }

  delete(key: string, options?: StoreOperationOptions): Promise<void> {
    return this.#lifecycle.run(() => {
      const sk = encodeSortKey(key);
      return this.#run('delete', options, false, async (op) => {
        await this.#client.send(
          new DeleteItemCommand({ TableName: this.#options.table, Key: itemKey(this.#pk, sk) }),
          {
            abortSignal: op.signal,
          },
        );
      });
    });
  }

  deleteMany(keys: readonly string[], options?: StoreOperationOptions): Promise<void> {
    return this.#lifecycle.run(() => {
      if (keys.length === 0) return Promise.resolve();
      const requests: WriteRequest[] = [...new Set(keys)].map((key) => ({
        DeleteRequest: { Key: itemKey(this.#pk, encodeSortKey(key)) },
      }));
      return this.#run('deleteMany', options, true, (op) => batchWrite(this.#batchTarget(op), requests));
    });
  }

  deleteIfEquals(key: string, expected: Uint8Array, options?: StoreOperationOptions): Promise<boolean> {
    return this.#lifecycle.run(() => {
      const sk = encodeSortKey(key);
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
    });
  }

  flush(options?: StoreOperationOptions): Promise<void> {
    return this.#lifecycle.run(() => {
      return this.#run('flush', options, true, (op) =>
        deletePartition(this.#batchTarget(op), this.#pk.value),
      );
    });
  }

  /**
   * Refuses new calls at once, waits until every call in flight has settled,
   * then destroys a client the store created. An injected client is never
   * destroyed. Idempotent: every call returns the same promise.
   */
  close(): Promise<void> {
    return this.#lifecycle.close(() => {
      if (this.#ownsClient) this.#client.destroy();
    });
  }

  // ---------------------------------------------------------------- internals

  #valueItem(sk: EncodedKeyValue, value: Uint8Array, ttl: number): Item {
    return {
      ...itemKey(this.#pk, sk),
      [ATTR.value]: { B: value },
      ...metadataAttributes(expiryFor(ttl, Date.now()), sk),
    };
  }

  #batchTarget(op: Operation): BatchTarget {
    return {
      client: this.#client,
      table: this.#options.table,
      consistentRead: this.#options.consistentRead,
      signal: op.signal,
      deadlineAt: op.deadlineAt,
    };
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

/** The counter `expected` spells when it is exactly `encodeCounter(n)` for some safe integer `n`. */
function canonicalCounter(key: string, expected: Uint8Array): number | undefined {
  try {
    const value = decodeCounter(key, expected);
    return bytesEqual(encodeCounter(value), expected) ? value : undefined;
  } catch {
    return undefined;
  }
}
