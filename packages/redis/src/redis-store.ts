import {
  ConfigError,
  InvalidTtlError,
  InvalidValueError,
  NO_EXPIRY,
  type Store,
  type StoreCapabilities,
  StoreClosedError,
  type StoreEntry,
  type StoreOperationOptions,
  ValueTooLargeError,
} from '@cache/core';
import { Cluster, Redis } from 'ioredis';
import { AdaptivePipeline, type CommandArgument, type ReplyEncoding } from './adaptive-pipeline.js';
import { valueArgument } from './command-args.js';
import { DRIVER, toStoreError } from './errors.js';
import { escapeGlob } from './glob.js';
import { keySlot } from './key-slot.js';
import {
  DELETE_IF_EQUALS_SCRIPT,
  INCREMENT_SCRIPT,
  isNoScriptError,
  type LuaScript,
  luaScript,
} from './lua.js';
import {
  DEFAULT_CONNECT_TIMEOUT_MS,
  defaultClusterOptions,
  defaultRedisOptions,
  REDIS_MAX_VALUE_BYTES,
  type RedisStoreOptions,
} from './options.js';

const DEFAULT_URL = 'redis://127.0.0.1:6379';
const SCAN_BATCH = 1000;

const increment = luaScript(INCREMENT_SCRIPT);
const deleteIfEquals = luaScript(DELETE_IF_EQUALS_SCRIPT);

/** Either kind of ioredis client the store works with. */
type RedisClient = Redis | Cluster;
/** What `pipeline().exec()` resolves. */
type PipelineResults = [error: Error | null, result: unknown][] | null;

/**
 * A {@link Store} on Redis through ioredis: standalone, Sentinel or Cluster.
 *
 * Keys are stored as `<prefix>:<key>`; values as the raw bytes (no encoding), so a
 * JSON value written by the facade is readable in `redis-cli`. TTLs are set in
 * milliseconds (`PX`), so expiry is exact to the millisecond.
 *
 * On a Cluster, batch operations are split by hash slot (computed locally with the
 * Cluster's CRC16) and sent as one pipeline per node: keys of one prefix spread over
 * all masters instead of piling onto one slot, at the price of one `MGET` per slot.
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
  /** The namespace of this store's keys. */
  readonly prefix: string;

  readonly #keyPrefix: string;
  readonly #owned: boolean;
  readonly #cluster: boolean;
  readonly #connectTimeoutMs: number;
  readonly #pipeline: AdaptivePipeline;
  #everReady = false;
  #firstConnection: Promise<void> | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;

  /**
   * @param options - connection (client, url or cluster nodes) and prefix
   * @throws {@link ConfigError} for an empty prefix or more than one connection option
   */
  constructor(options: RedisStoreOptions = {}) {
    const prefix = options.prefix ?? 'app';
    if (typeof prefix !== 'string' || prefix.length === 0) {
      throw new ConfigError('RedisStore prefix must be a non-empty string');
    }
    const sources = [options.client, options.url, options.clusterNodes].filter(
      (source) => source !== undefined,
    );
    if (sources.length > 1) {
      throw new ConfigError('RedisStore takes at most one of client, url and clusterNodes');
    }
    this.prefix = prefix;
    this.#keyPrefix = `${prefix}:`;

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
    this.#connectTimeoutMs = connectTimeoutOf(this.client);
    this.#pipeline = new AdaptivePipeline(this.client);
    if (this.client.status === 'ready') this.#everReady = true;
  }

  /** @inheritDoc */
  async get(key: string, options?: StoreOperationOptions): Promise<Uint8Array | undefined> {
    const pending = this.#before(options);
    if (pending !== undefined) await pending;
    try {
      const value = (await this.#pipeline.send('get', [this.#key(key)], 'buffer')) as Buffer | null;
      return value ?? undefined;
    } catch (error) {
      throw toStoreError('get', error);
    } finally {
      // Inline rather than through #send: the hot path saves a promise per call.
      this.#pipeline.settled();
    }
  }

  /** @inheritDoc */
  async getMany(
    keys: readonly string[],
    options?: StoreOperationOptions,
  ): Promise<(Uint8Array | undefined)[]> {
    const pending = this.#before(options);
    if (pending !== undefined) await pending;
    if (keys.length === 0) return [];
    const redisKeys = keys.map((key) => this.#key(key));
    try {
      if (!this.#cluster) {
        const values = (await this.#send('mget', redisKeys, 'buffer')) as (Buffer | null)[];
        return values.map((value) => value ?? undefined);
      }
      return await this.#clusterGetMany(redisKeys);
    } catch (error) {
      throw toStoreError('getMany', error);
    }
  }

  /** @inheritDoc */
  async set(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<void> {
    assertTtl(ttl);
    this.#assertSize(key, value);
    const argument = valueArgument(value);
    const pending = this.#before(options);
    if (pending !== undefined) await pending;
    try {
      const redisKey = this.#key(key);
      await this.#pipeline.send(
        'set',
        ttl === NO_EXPIRY ? [redisKey, argument] : [redisKey, argument, 'PX', ttl],
        'utf8',
      );
    } catch (error) {
      throw toStoreError('set', error);
    } finally {
      this.#pipeline.settled();
    }
  }

  /** @inheritDoc */
  async setMany(entries: readonly StoreEntry[], options?: StoreOperationOptions): Promise<void> {
    for (const entry of entries) {
      assertTtl(entry.ttl);
      this.#assertSize(entry.key, entry.value);
    }
    const commands = entries.map((entry) => ({
      key: this.#key(entry.key),
      value: valueArgument(entry.value),
      ttl: entry.ttl,
    }));
    const pending = this.#before(options);
    if (pending !== undefined) await pending;
    if (commands.length === 0) return;
    try {
      // A plain pipeline (no MULTI): the writes are independent upserts, so there is
      // nothing to gain from a transaction and a Cluster could not run one across slots.
      await this.#perNode(
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

  /** @inheritDoc */
  async add(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<boolean> {
    assertTtl(ttl);
    this.#assertSize(key, value);
    const argument = valueArgument(value);
    const pending = this.#before(options);
    if (pending !== undefined) await pending;
    try {
      const redisKey = this.#key(key);
      const reply = await this.#send(
        'set',
        ttl === NO_EXPIRY ? [redisKey, argument, 'NX'] : [redisKey, argument, 'PX', ttl, 'NX'],
        'utf8',
      );
      return reply === 'OK';
    } catch (error) {
      throw toStoreError('add', error);
    }
  }

  /** @inheritDoc */
  async increment(key: string, delta: number, ttl: number, options?: StoreOperationOptions): Promise<number> {
    if (!Number.isSafeInteger(delta)) {
      throw new InvalidValueError(`increment delta must be a safe integer, got ${delta}`);
    }
    assertTtl(ttl);
    const pending = this.#before(options);
    if (pending !== undefined) await pending;
    try {
      const reply = await this.#eval(increment, this.#key(key), String(delta), String(ttl));
      return Number(reply);
    } catch (error) {
      throw toStoreError('increment', error, key);
    }
  }

  /** @inheritDoc */
  async delete(key: string, options?: StoreOperationOptions): Promise<void> {
    const pending = this.#before(options);
    if (pending !== undefined) await pending;
    try {
      await this.#send('unlink', [this.#key(key)], 'utf8');
    } catch (error) {
      throw toStoreError('delete', error);
    }
  }

  /** @inheritDoc */
  async deleteMany(keys: readonly string[], options?: StoreOperationOptions): Promise<void> {
    const pending = this.#before(options);
    if (pending !== undefined) await pending;
    if (keys.length === 0) return;
    const redisKeys = keys.map((key) => this.#key(key));
    try {
      if (!this.#cluster) {
        await this.#send('unlink', redisKeys, 'utf8');
        return;
      }
      // UNLINK with several keys must stay within one slot on a Cluster.
      await this.#perNode(redisKeys, (pipeline, _indexes, slots) => {
        for (const slotIndexes of slots) pipeline.unlink(slotIndexes.map((index) => redisKeys[index]!));
      });
    } catch (error) {
      throw toStoreError('deleteMany', error);
    }
  }

  /** @inheritDoc */
  async deleteIfEquals(key: string, expected: Uint8Array, options?: StoreOperationOptions): Promise<boolean> {
    const argument = valueArgument(expected);
    const pending = this.#before(options);
    if (pending !== undefined) await pending;
    try {
      const reply = await this.#eval(deleteIfEquals, this.#key(key), argument);
      return Number(reply) === 1;
    } catch (error) {
      throw toStoreError('deleteIfEquals', error);
    }
  }

  /**
   * Removes every `<prefix>:*` key with `SCAN MATCH` + `UNLINK`, on every master of a
   * Cluster. The prefix's glob characters are escaped, so `a*` never matches `ab:`.
   * Non-blocking for the server; keys written during the scan may survive.
   */
  async flush(options?: StoreOperationOptions): Promise<void> {
    const pending = this.#before(options);
    if (pending !== undefined) await pending;
    const pattern = `${escapeGlob(this.prefix)}:*`;
    try {
      if (!this.#cluster) {
        await scanAndUnlink(this.client as Redis, pattern, (keys) => this.client.unlink(keys));
        return;
      }
      const cluster = this.client as Cluster;
      await Promise.all(
        cluster.nodes('master').map((node) =>
          scanAndUnlink(node, pattern, async (keys) => {
            // Sent through the Cluster client, one command per slot, so a slot that
            // moved meanwhile is followed instead of failing with MOVED.
            const bySlot = new Map<number, Buffer[]>();
            for (const key of keys) {
              const slot = keySlot(key);
              const group = bySlot.get(slot);
              if (group === undefined) bySlot.set(slot, [key]);
              else group.push(key);
            }
            await Promise.all([...bySlot.values()].map((group) => cluster.unlink(group)));
          }),
        ),
      );
    } catch (error) {
      throw toStoreError('flush', error);
    }
  }

  /** Quits a client the store created (idempotent); leaves an injected client open. */
  close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    this.#closed = true;
    this.#closing = this.#owned ? quit(this.client) : Promise.resolve();
    return this.#closing;
  }

  #key(key: string): string {
    return this.#keyPrefix + key;
  }

  #assertSize(key: string, value: Uint8Array): void {
    if (value.byteLength > REDIS_MAX_VALUE_BYTES) {
      throw new ValueTooLargeError(key, value.byteLength, REDIS_MAX_VALUE_BYTES);
    }
  }

  /**
   * Checks shared by every operation: not closed, not aborted, and (for a client the
   * store created) its first connection established. Returns synchronously-resolved
   * work in the common case so a hit costs no extra timer or listener.
   */
  #before(options: StoreOperationOptions | undefined): Promise<void> | undefined {
    if (this.#closed) throw new StoreClosedError(DRIVER);
    const signal = options?.signal;
    if (signal?.aborted) throw signal.reason;
    if (this.#everReady) return undefined;
    if (this.client.status === 'ready') {
      this.#everReady = true;
      return undefined;
    }
    if (!this.#owned) return undefined;
    return this.#awaitFirstConnection();
  }

  /**
   * With the offline queue disabled, a command sent before the first connection is
   * up would be rejected; so until the client has been ready once, operations wait
   * for it (bounded by `connectTimeout`). After that, a disconnected client fails
   * fast: a cache outage must not add latency to every request.
   */
  #awaitFirstConnection(): Promise<void> {
    const status = this.client.status;
    if (status === 'end' || status === 'close' || status === 'reconnecting') {
      return Promise.reject(toStoreError('connect', new Error(`connection is ${status}`)));
    }
    this.#firstConnection ??= new Promise<void>((resolve, reject) => {
      const client = this.client;
      const finish = (error?: unknown): void => {
        clearTimeout(timer);
        client.off('ready', onReady);
        client.off('error', onError);
        client.off('end', onEnd);
        this.#firstConnection = undefined;
        if (error === undefined) resolve();
        else reject(toStoreError('connect', error));
      };
      const onReady = (): void => {
        this.#everReady = true;
        finish();
      };
      const onError = (error: unknown): void => finish(error);
      const onEnd = (): void => finish(new Error('connection ended'));
      const timer = setTimeout(
        () => finish(new Error(`not connected within ${this.#connectTimeoutMs} ms`)),
        this.#connectTimeoutMs,
      );
      client.once('ready', onReady);
      client.once('error', onError);
      client.once('end', onEnd);
    });
    return this.#firstConnection;
  }

  /** One command through the adaptive pipeline, its in-flight count released when it settles. */
  async #send(name: string, args: CommandArgument[], reply: ReplyEncoding): Promise<unknown> {
    try {
      return await this.#pipeline.send(name, args, reply);
    } finally {
      this.#pipeline.settled();
    }
  }

  /** `EVALSHA`, falling back to `EVAL` (which also caches the script) on `NOSCRIPT`. */
  async #eval(script: LuaScript, key: string, ...args: CommandArgument[]): Promise<unknown> {
    try {
      return await this.#send('evalsha', [script.sha, 1, key, ...args], 'utf8');
    } catch (error) {
      if (!isNoScriptError(error)) throw error;
      return await this.#send('eval', [script.source, 1, key, ...args], 'utf8');
    }
  }

  async #clusterGetMany(redisKeys: string[]): Promise<(Uint8Array | undefined)[]> {
    const values: (Uint8Array | undefined)[] = new Array(redisKeys.length).fill(undefined);
    const plan: number[][] = [];
    const results = await this.#perNode(redisKeys, (pipeline, _indexes, slots) => {
      for (const slotIndexes of slots) {
        plan.push(slotIndexes);
        pipeline.mgetBuffer(slotIndexes.map((index) => redisKeys[index]!));
      }
    });
    // #perNode returns the replies in the order the commands were queued across nodes.
    results.forEach((reply, commandIndex) => {
      const slotIndexes = plan[commandIndex]!;
      const buffers = reply as (Buffer | null)[];
      slotIndexes.forEach((keyIndex, position) => {
        values[keyIndex] = buffers[position] ?? undefined;
      });
    });
    return values;
  }

  /**
   * Runs one pipeline per node (one for a standalone server). `fill` receives the
   * pipeline, the indexes of `redisKeys` that node owns, and those indexes grouped by
   * hash slot. Resolves every command's reply, in the order the commands were queued
   * (node by node); rejects with the first command error.
   */
  async #perNode(
    redisKeys: readonly string[],
    fill: (pipeline: ReturnType<RedisClient['pipeline']>, indexes: number[], slots: number[][]) => void,
  ): Promise<unknown[]> {
    if (!this.#cluster) {
      const indexes = redisKeys.map((_, index) => index);
      const pipeline = this.client.pipeline();
      fill(pipeline, indexes, [indexes]);
      return unwrap(await pipeline.exec());
    }
    const cluster = this.client as Cluster;
    const nodes = new Map<string, Map<number, number[]>>();
    redisKeys.forEach((redisKey, index) => {
      const slot = keySlot(Buffer.from(redisKey));
      // Before the slot table is known, fall back to one pipeline per slot.
      const node = cluster.slots[slot]?.[0] ?? `slot:${slot}`;
      let slots = nodes.get(node);
      if (slots === undefined) {
        slots = new Map();
        nodes.set(node, slots);
      }
      const group = slots.get(slot);
      if (group === undefined) slots.set(slot, [index]);
      else group.push(index);
    });
    const replies = await Promise.all(
      [...nodes.values()].map(async (slots) => {
        const groups = [...slots.values()];
        const pipeline = cluster.pipeline();
        fill(pipeline, groups.flat(), groups);
        return unwrap(await pipeline.exec());
      }),
    );
    return replies.flat();
  }
}

function createClient(options: RedisStoreOptions): RedisClient {
  if (options.clusterNodes !== undefined) {
    if (options.clusterNodes.length === 0) throw new ConfigError('RedisStore clusterNodes must not be empty');
    return new Cluster([...options.clusterNodes], {
      ...defaultClusterOptions(),
      ...options.clusterOptions,
      redisOptions: {
        ...defaultRedisOptions(),
        ...options.clusterOptions?.redisOptions,
        ...options.redisOptions,
      },
    });
  }
  const redisOptions = { ...defaultRedisOptions(), ...options.redisOptions };
  // Sentinel (or host/port given in redisOptions): no URL needed.
  if (
    options.url === undefined &&
    (options.redisOptions?.sentinels !== undefined || options.redisOptions?.host)
  ) {
    return new Redis(redisOptions);
  }
  const url = options.url ?? DEFAULT_URL;
  if (!/^rediss?:\/\//.test(url))
    throw new ConfigError(`RedisStore url must start with redis:// or rediss://`);
  return new Redis(url, redisOptions);
}

function connectTimeoutOf(client: RedisClient): number {
  const options = client.options as { connectTimeout?: number; redisOptions?: { connectTimeout?: number } };
  return options.connectTimeout ?? options.redisOptions?.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS;
}

/** Quits gracefully when connected (pending replies arrive first), and resolves once the connection is gone. */
async function quit(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;
  const ended = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 1_000);
    client.once('end', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  try {
    if (client.status === 'ready') await client.quit();
    else client.disconnect();
  } catch {
    // Closing a broken connection: dropping it is all that is left to do.
    client.disconnect();
  }
  await ended;
}

/** Scans one server for `pattern` and hands each non-empty batch of keys to `unlink`. */
async function scanAndUnlink(
  node: Redis,
  pattern: string,
  unlink: (keys: Buffer[]) => Promise<unknown>,
): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await node.scanBuffer(cursor, 'MATCH', pattern, 'COUNT', SCAN_BATCH);
    cursor = next.toString();
    if (keys.length > 0) await unlink(keys);
  } while (cursor !== '0');
}

function unwrap(results: PipelineResults): unknown[] {
  if (results === null) throw new Error('pipeline was discarded');
  return results.map(([error, reply]) => {
    if (error !== null) throw error;
    return reply;
  });
}

function assertTtl(ttl: number): void {
  if (!Number.isSafeInteger(ttl) || ttl < 0) {
    throw new InvalidTtlError(`store ttl must be a non-negative integer number of ms, got ${ttl}`);
  }
}
