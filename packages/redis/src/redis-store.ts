import {
  assertNoRenamedOptions,
  assertStoreKey,
  ConfigError,
  InvalidTtlError,
  InvalidValueError,
  NO_EXPIRY,
  resolveDurationOption,
  resolvePrefix,
  type Store,
  type StoreCapabilities,
  type StoreEntry,
  type StoreOperationOptions,
  ValueTooLargeError,
} from '@cache/core';
import type { Cluster } from 'ioredis';
import { CallGuard, OPERATIONS, type Operation } from './call-guard.js';
import { clusterGetMany, flushMatching, perNode } from './batches.js';
import { assertNoKeyPrefix, createClient, FirstConnection, quit, type RedisClient } from './client.js';
import { valueArgument } from './command-args.js';
import { type CommandArgument, CommandSender, type ErrorMapper, type ReplyMapper } from './command-sender.js';
import { DRIVER, toStoreError } from './errors.js';
import { keyNamespace, namespacePattern } from './key-layout.js';
import {
  DELETE_IF_EQUALS_SCRIPT,
  INCREMENT_SCRIPT,
  isNoScriptError,
  type LuaScript,
  luaScript,
} from './lua.js';
import { DEFAULT_TIMEOUT_MS, REDIS_MAX_VALUE_BYTES, type RedisStoreOptions } from './options.js';

const increment = luaScript(INCREMENT_SCRIPT);
const deleteIfEquals = luaScript(DELETE_IF_EQUALS_SCRIPT);

/**
 * A {@link Store} on Redis through ioredis: standalone, Sentinel or Cluster.
 *
 * Keys are stored as `<prefix>:<key>` (the prefix percent-encoded where it holds
 * `% : * ? [ ] \ { }`, see the README), values as the raw bytes (no encoding), so a
 * JSON value written by the facade is readable in `redis-cli`. TTLs are set in
 * milliseconds (`PX`), so expiry is exact to the millisecond.
 *
 * Every call has a deadline (`timeout`, default 5 s) kept by one shared timer, and
 * `close()` waits for the calls in flight before it releases the connection.
 *
 * On a Cluster, batch operations are split by hash slot and sent as one pipeline per
 * node: keys of one prefix spread over all masters instead of piling onto one slot,
 * at the price of one `MGET` per slot (unless `hashTag` pins the prefix to one slot).
 */
export class RedisStore implements Store {
  /** Driver name. */
  readonly name = DRIVER;
  /** Shared across processes, not durable (Redis may evict), millisecond TTLs, 512 MiB values. */
  readonly capabilities: StoreCapabilities = {
    shared: true,
    durable: false,
    ttlResolutionMs: 1,
    maxValueBytes: REDIS_MAX_VALUE_BYTES,
  };
  /** The ioredis client in use (injected, or created by the store). */
  readonly client: RedisClient;
  /** The namespace of this store's keys, as given. */
  readonly prefix: string;
  /** Whether the prefix is a Cluster hash tag (`{<prefix>}:<key>`). */
  readonly hashTag: boolean;
  /** The deadline of every call, in ms. */
  readonly timeoutMs: number;

  /** What every Redis key of this store starts with. */
  readonly #namespace: string;
  readonly #owned: boolean;
  readonly #cluster: boolean;
  readonly #sender: CommandSender;
  /** `toStoreError` bound to each operation, built once so that a call allocates none. */
  readonly #errors = storeErrorMappers();
  readonly #connection: FirstConnection;
  readonly #guard: CallGuard;
  readonly #bound = <T>(round: Promise<T>): Promise<T> => this.#guard.bound('flush', round);

  /**
   * @param options - prefix (required), connection (client, url or cluster nodes), timeout
   * @throws {@link "@cache/core"!ConfigError | ConfigError} for a missing or invalid prefix or
   *   timeout, more than one connection option, or an ioredis `keyPrefix`
   */
  constructor(options: RedisStoreOptions) {
    if (options === null || typeof options !== 'object') {
      throw new ConfigError('RedisStore needs options, at least { prefix }');
    }
    assertNoRenamedOptions(options, { timeoutMs: 'timeout' }, 'RedisStore');
    this.prefix = resolvePrefix(options.prefix, { driver: 'RedisStore', required: true });
    this.timeoutMs = resolveDurationOption(options.timeout, 'RedisStore timeout', DEFAULT_TIMEOUT_MS);
    if (options.hashTag !== undefined && typeof options.hashTag !== 'boolean') {
      throw new ConfigError('RedisStore hashTag must be a boolean');
    }
    this.hashTag = options.hashTag === true;
    const sources = [options.client, options.url, options.clusterNodes].filter(
      (source) => source !== undefined,
    );
    if (sources.length > 1) {
      throw new ConfigError('RedisStore takes at most one of client, url and clusterNodes');
    }
    assertNoKeyPrefix(options);
    this.#namespace = keyNamespace(this.prefix, this.hashTag);
    this.#guard = new CallGuard(this.timeoutMs);

    if (options.client !== undefined) {
      this.client = options.client;
      this.#owned = false;
    } else {
      this.client = createClient(options);
      this.#owned = true;
      // Without a listener ioredis prints every connection error to the console;
      // failures reach callers as rejected operations instead.
      this.client.on('error', () => {});
    }
    this.#cluster = this.client.isCluster === true;
    this.#sender = new CommandSender(this.client);
    this.#connection = new FirstConnection(this.client, this.#owned);
  }

  /** @inheritDoc */
  get(key: string, options?: StoreOperationOptions): Promise<Uint8Array | undefined> {
    return this.#guard.run('get', () => this.#get(key, options));
  }

  /** @inheritDoc */
  getMany(keys: readonly string[], options?: StoreOperationOptions): Promise<(Uint8Array | undefined)[]> {
    return this.#guard.run('getMany', () => this.#getMany(keys, options));
  }

  /** @inheritDoc */
  set(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<void> {
    return this.#guard.run('set', () => this.#set(key, value, ttl, options));
  }

  /** @inheritDoc */
  setMany(entries: readonly StoreEntry[], options?: StoreOperationOptions): Promise<void> {
    return this.#guard.run('setMany', () => this.#setMany(entries, options));
  }

  /** @inheritDoc */
  add(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<boolean> {
    return this.#guard.run('add', () => this.#add(key, value, ttl, options));
  }

  /**
   * {@inheritDoc "@cache/core"!Store.increment}
   *
   * @throws {@link "@cache/core"!NotNumericError | NotNumericError} unless the stored value is a
   *   canonical decimal safe integer (`COUNTER_PATTERN` of `@cache/core`), or when the result
   *   would leave the safe integer range (nothing is written then)
   */
  increment(key: string, delta: number, ttl: number, options?: StoreOperationOptions): Promise<number> {
    return this.#guard.run('increment', () => this.#increment(key, delta, ttl, options));
  }

  /** @inheritDoc */
  delete(key: string, options?: StoreOperationOptions): Promise<void> {
    return this.#guard.run('delete', () => this.#delete(key, options));
  }

  /** @inheritDoc */
  deleteMany(keys: readonly string[], options?: StoreOperationOptions): Promise<void> {
    return this.#guard.run('deleteMany', () => this.#deleteMany(keys, options));
  }

  /** @inheritDoc */
  deleteIfEquals(key: string, expected: Uint8Array, options?: StoreOperationOptions): Promise<boolean> {
    return this.#guard.run('deleteIfEquals', () => this.#deleteIfEquals(key, expected, options));
  }

  /**
   * Removes every key of this prefix with `SCAN MATCH` + `UNLINK`, on every master of
   * a Cluster. The pattern is the encoded prefix (which holds no `:` and no glob
   * character) followed by `:*`, so prefixes `a`, `a:b`, `a*` and `ab` each flush only
   * their own keys. Each round trip has the store's deadline; the scan as a whole has
   * none. Non-blocking for the server; keys written during the scan may survive.
   */
  flush(options?: StoreOperationOptions): Promise<void> {
    return this.#guard.runUnbounded(() => this.#flush(options));
  }

  /**
   * Refuses new calls at once (`StoreClosedError`), waits until every call in flight
   * has settled (each is bounded by the deadline), then quits a client the store
   * created. Never closes an injected client. Idempotent.
   */
  close(): Promise<void> {
    return this.#guard.close(() => (this.#owned ? quit(this.client) : undefined));
  }

  #get(key: string, options: StoreOperationOptions | undefined): Promise<Uint8Array | undefined> {
    const redisKey = this.#key(key);
    return this.#command(options, 'get', [redisKey], toValue, this.#errors.get);
  }

  async #getMany(
    keys: readonly string[],
    options: StoreOperationOptions | undefined,
  ): Promise<(Uint8Array | undefined)[]> {
    const redisKeys = keys.map((key) => this.#key(key));
    const pending = this.#before(options);
    if (pending !== undefined) await pending;
    if (redisKeys.length === 0) return [];
    if (!this.#cluster) return this.#sender.send('mget', redisKeys, toValues, this.#errors.getMany);
    try {
      return await clusterGetMany(this.client as Cluster, redisKeys);
    } catch (error) {
      throw toStoreError('getMany', error);
    }
  }

  #set(
    key: string,
    value: Uint8Array,
    ttl: number,
    options: StoreOperationOptions | undefined,
  ): Promise<void> {
    const redisKey = this.#key(key);
    assertTtl(ttl);
    this.#assertSize(key, value);
    const argument = valueArgument(value);
    const args = ttl === NO_EXPIRY ? [redisKey, argument] : [redisKey, argument, 'PX', ttl];
    return this.#command(options, 'set', args, toVoid, this.#errors.set);
  }

  async #setMany(entries: readonly StoreEntry[], options: StoreOperationOptions | undefined): Promise<void> {
    const commands = entries.map((entry) => {
      const key = this.#key(entry.key);
      assertTtl(entry.ttl);
      this.#assertSize(entry.key, entry.value);
      return { key, value: valueArgument(entry.value), ttl: entry.ttl };
    });
    const pending = this.#before(options);
    if (pending !== undefined) await pending;
    if (commands.length === 0) return;
    try {
      // A plain pipeline (no MULTI): the writes are independent upserts, so there is
      // nothing to gain from a transaction and a Cluster could not run one across slots.
      await perNode(
        this.client,
        commands.map((command) => command.key),
        (pipeline, indexes) => {
          for (const index of indexes) {
            const command = commands[index]!;
            if (command.ttl === NO_EXPIRY) pipeline.set(command.key, command.value);
            else pipeline.set(command.key, command.value, 'PX', command.ttl);
          }
        },
      );
    } catch (error) {
      throw toStoreError('setMany', error);
    }
  }

  #add(
    key: string,
    value: Uint8Array,
    ttl: number,
    options: StoreOperationOptions | undefined,
  ): Promise<boolean> {
    const redisKey = this.#key(key);
    assertTtl(ttl);
    this.#assertSize(key, value);
    const argument = valueArgument(value);
    const args = ttl === NO_EXPIRY ? [redisKey, argument, 'NX'] : [redisKey, argument, 'PX', ttl, 'NX'];
    // SET NX replies OK when it wrote, nil when the key exists.
    return this.#command(options, 'set', args, isReply, this.#errors.add);
  }

  async #increment(
    key: string,
    delta: number,
    ttl: number,
    options: StoreOperationOptions | undefined,
  ): Promise<number> {
    const redisKey = this.#key(key);
    if (!Number.isSafeInteger(delta)) {
      throw new InvalidValueError(`increment delta must be a safe integer, got ${delta}`);
    }
    assertTtl(ttl);
    const pending = this.#before(options);
    if (pending !== undefined) await pending;
    try {
      const reply = await this.#eval(increment, redisKey, String(delta), String(ttl));
      return Number(reply);
    } catch (error) {
      throw toStoreError('increment', error, key);
    }
  }

  #delete(key: string, options: StoreOperationOptions | undefined): Promise<void> {
    const redisKey = this.#key(key);
    return this.#command(options, 'unlink', [redisKey], toVoid, this.#errors.delete);
  }

  async #deleteMany(keys: readonly string[], options: StoreOperationOptions | undefined): Promise<void> {
    const redisKeys = keys.map((key) => this.#key(key));
    const pending = this.#before(options);
    if (pending !== undefined) await pending;
    if (redisKeys.length === 0) return;
    if (!this.#cluster) return this.#sender.send('unlink', redisKeys, toVoid, this.#errors.deleteMany);
    try {
      // UNLINK with several keys must stay within one slot on a Cluster.
      await perNode(this.client, redisKeys, (pipeline, _indexes, slots) => {
        for (const slotIndexes of slots) pipeline.unlink(slotIndexes.map((index) => redisKeys[index]!));
      });
    } catch (error) {
      throw toStoreError('deleteMany', error);
    }
  }

  async #deleteIfEquals(
    key: string,
    expected: Uint8Array,
    options: StoreOperationOptions | undefined,
  ): Promise<boolean> {
    const redisKey = this.#key(key);
    const argument = valueArgument(expected);
    const pending = this.#before(options);
    if (pending !== undefined) await pending;
    try {
      const reply = await this.#eval(deleteIfEquals, redisKey, argument);
      return Number(reply) === 1;
    } catch (error) {
      throw toStoreError('deleteIfEquals', error);
    }
  }

  async #flush(options: StoreOperationOptions | undefined): Promise<void> {
    const pending = this.#before(options);
    if (pending !== undefined) await this.#bound(pending);
    try {
      await flushMatching(this.client, namespacePattern(this.#namespace), this.#bound);
    } catch (error) {
      throw toStoreError('flush', error);
    }
  }

  /** The Redis key of `key`; refuses keys that are not well-formed (before any command). */
  #key(key: string): string {
    assertStoreKey(key);
    return this.#namespace + key;
  }

  #assertSize(key: string, value: Uint8Array): void {
    if (value.byteLength > REDIS_MAX_VALUE_BYTES) {
      throw new ValueTooLargeError(key, value.byteLength, REDIS_MAX_VALUE_BYTES);
    }
  }

  /**
   * Checks shared by every operation: not aborted, and (for a client the store
   * created) its first connection established. Returns `undefined` in the common
   * case so a hit costs no extra promise, timer or listener.
   */
  #before(options: StoreOperationOptions | undefined): Promise<void> | undefined {
    const signal = options?.signal;
    if (signal?.aborted) throw signal.reason;
    return this.#connection.wait();
  }

  /**
   * One command, once the common checks passed: the sender's promise itself in the
   * common case (no `async` frame, no `.then` layer; the guard adds the deadline).
   */
  #command<T>(
    options: StoreOperationOptions | undefined,
    name: string,
    args: CommandArgument[],
    onReply: ReplyMapper<T>,
    onError: ErrorMapper,
  ): Promise<T> {
    const pending = this.#before(options);
    if (pending === undefined) return this.#sender.send(name, args, onReply, onError);
    return pending.then(() => this.#sender.send(name, args, onReply, onError));
  }

  /** `EVALSHA`, falling back to `EVAL` (which also caches the script) on `NOSCRIPT`; raw errors. */
  async #eval(script: LuaScript, key: string, ...args: CommandArgument[]): Promise<unknown> {
    try {
      return await this.#sender.send('evalsha', [script.sha, 1, key, ...args], toReply, asError);
    } catch (error) {
      if (!isNoScriptError(error)) throw error;
      return await this.#sender.send('eval', [script.source, 1, key, ...args], toReply, asError);
    }
  }
}

/** `GET`'s reply: the bytes, or `undefined` for nil. */
function toValue(reply: unknown): Uint8Array | undefined {
  return (reply as Buffer | null) ?? undefined;
}

/** `MGET`'s reply: bytes or `undefined` per key. */
function toValues(reply: unknown): (Uint8Array | undefined)[] {
  return (reply as (Buffer | null)[]).map(toValue);
}

/** A reply that only says the command succeeded. */
function toVoid(): undefined {
  return undefined;
}

/** Whether the reply is not nil (`SET NX`: OK when it wrote). */
function isReply(reply: unknown): boolean {
  return reply !== null;
}

function toReply(reply: unknown): unknown {
  return reply;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function storeErrorMappers(): Readonly<Record<Operation, ErrorMapper>> {
  const mappers = {} as Record<Operation, ErrorMapper>;
  for (const operation of OPERATIONS) mappers[operation] = (error) => toStoreError(operation, error);
  return mappers;
}

function assertTtl(ttl: number): void {
  if (!Number.isSafeInteger(ttl) || ttl < 0) {
    throw new InvalidTtlError(`store ttl must be a non-negative integer number of ms, got ${ttl}`);
  }
}
