import {
  addCounter,
  bytesEqual,
  CacheError,
  ConflictError,
  CorruptPayloadError,
  decodeCounter,
  encodeCounter,
  InvalidTtlError,
  InvalidValueError,
  type Store,
  type StoreCapabilities,
  StoreClosedError,
  type StoreEntry,
  StoreError,
  type StoreOperationOptions,
  ValueTooLargeError,
} from '@cache/core';
import memjs, { type Client } from 'memjs';
import {
  BinaryProtocol,
  type Item,
  MemcachedStatusError,
  STATUS,
  type StoreCommand,
} from './binary-protocol.js';
import {
  decodeEnvelope,
  type Envelope,
  ENVELOPE_ITEM_FLAGS,
  encodeEnvelope,
  envelopeOverhead,
} from './envelope.js';
import { expiresAtFor, memcachedExptime } from './expiry.js';
import { type IncrementOutcome, IncrementCombiner, type PendingIncrement } from './increment-combiner.js';
import { MAX_KEY_BYTES, ownsEnvelope, toWireKey, type WireKey } from './key-mapping.js';
import { NamespaceGeneration } from './namespace-generation.js';
import { ITEM_OVERHEAD_RESERVE, type MemcachedStoreOptions, resolveOptions } from './options.js';

const DRIVER = 'memcached';

/** Bytes memcached spends per item besides key and value (item header, CAS, suffix), rounded up. */
const SERVER_ITEM_HEADER_BYTES = 64;

/** Longest pause between two lost compare-and-swap races, in ms. */
const MAX_BACKOFF_MS = 20;

const SILENT_LOGGER = { log(): void {} };

/**
 * A {@link Store} on memcached (memjs), one server or several.
 *
 * - **Keys** are `<prefix>:<generation>:k:<key>`, or `…:h:<sha256>` for keys that
 *   are too long or not printable ASCII; hashed keys keep the original key in the
 *   value and compare it on read (see `key-mapping.ts`).
 * - **Values** are wrapped in a small envelope holding the exact expiry in ms
 *   (see `envelope.ts`), so reads are millisecond-precise although memcached
 *   expires on whole seconds; the server-side expiry is rounded up (plus one
 *   second) and switches to absolute unix time past 30 days (see `expiry.ts`).
 * - **flush** bumps a per-prefix generation counter instead of `flush_all`
 *   (see `namespace-generation.ts`).
 * - **increment**, **add** over an expired entry and **deleteIfEquals** use
 *   memcached's CAS; concurrent increments of one key in one process are
 *   combined into one CAS write (see `increment-combiner.ts`).
 * - **getMany** is one pipelined round trip per server.
 *
 * Backend failures reject with `StoreError` (the memjs or protocol error as
 * `cause`) within the request deadline; nothing is resent behind the caller's back.
 */
export class MemcachedStore implements Store {
  /** Driver name reported to observers. */
  readonly name = DRIVER;
  /**
   * Shared, not durable, millisecond-precise reads (`ttlResolutionMs: 1`: the
   * exact expiry travels in the value), values up to `maxItemBytes - 16 KiB`.
   */
  readonly capabilities: StoreCapabilities;
  /** The key prefix. */
  readonly prefix: string;
  /** The memjs client in use (created by the store, or the injected one). */
  readonly client: Client;

  private readonly ownsClient: boolean;
  private readonly protocol: BinaryProtocol;
  private readonly generation: NamespaceGeneration;
  private readonly increments: IncrementCombiner;
  private readonly maxItemBytes: number;
  private readonly maxCasAttempts: number;
  private closed = false;

  /**
   * @param options - see {@link MemcachedStoreOptions}
   * @throws `ConfigError` for invalid options
   */
  constructor(options: MemcachedStoreOptions = {}) {
    const resolved = resolveOptions(options);
    this.prefix = resolved.prefix;
    this.maxItemBytes = resolved.maxItemBytes;
    this.maxCasAttempts = resolved.maxCasAttempts;
    this.capabilities = Object.freeze({
      shared: true,
      durable: false,
      ttlResolutionMs: 1,
      maxValueBytes: resolved.maxItemBytes - ITEM_OVERHEAD_RESERVE,
    });
    if (resolved.client !== undefined) {
      this.client = resolved.client;
      this.ownsClient = false;
    } else {
      const seconds = resolved.timeoutMs / 1000;
      this.client = memjs.Client.create(resolved.servers.join(','), {
        logger: SILENT_LOGGER,
        timeout: seconds,
        conntimeout: seconds,
        keepAlive: true,
        ...resolved.clientOptions,
        // The store never goes through memjs's retrying `perform`; these only keep
        // direct use of `store.client` from resending requests or moving keys.
        retries: 1,
        failover: false,
      });
      this.ownsClient = true;
    }
    this.protocol = new BinaryProtocol(this.client, resolved.timeoutMs);
    this.generation = new NamespaceGeneration(this.protocol, this.prefix, this.maxCasAttempts);
    this.increments = new IncrementCombiner((key, batch) =>
      this.generation.run((namespace) => this.applyIncrements(namespace, key, batch)),
    );
  }

  /** The value, or `undefined` when absent or expired (to the millisecond). */
  get(key: string, options?: StoreOperationOptions): Promise<Uint8Array | undefined> {
    return this.guard('get', options, () =>
      this.generation.run(async (namespace) => {
        const wire = toWireKey(namespace, key);
        const item = await this.protocol.get(wire.key);
        const live = item && this.liveEnvelope(key, wire, item, Date.now());
        return live && new Uint8Array(live.value);
      }),
    );
  }

  /** Values in the order of `keys`: one pipelined round trip per server. */
  getMany(keys: readonly string[], options?: StoreOperationOptions): Promise<(Uint8Array | undefined)[]> {
    return this.guard('getMany', options, async () => {
      if (keys.length === 0) return [];
      return this.generation.run(async (namespace) => {
        const wires = keys.map((key) => toWireKey(namespace, key));
        const found = await this.protocol.getMulti([...new Set(wires.map((wire) => wire.key))]);
        const now = Date.now();
        return wires.map((wire, i) => {
          const item = found.get(wire.key);
          const live = item && this.liveEnvelope(keys[i] as string, wire, item, now);
          return live && new Uint8Array(live.value);
        });
      });
    });
  }

  /** Upsert. */
  set(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<void> {
    return this.guard('set', options, async () => {
      this.assertWritable(key, value, ttl);
      await this.generation.run((namespace) => this.write('set', toWireKey(namespace, key), key, value, ttl));
    });
  }

  /** Batch upsert: every write pipelined at once. */
  setMany(entries: readonly StoreEntry[], options?: StoreOperationOptions): Promise<void> {
    return this.guard('setMany', options, async () => {
      for (const entry of entries) this.assertWritable(entry.key, entry.value, entry.ttl);
      if (entries.length === 0) return;
      await this.generation.run(async (namespace) => {
        await Promise.all(
          entries.map((e) => this.write('set', toWireKey(namespace, e.key), e.key, e.value, e.ttl)),
        );
      });
    });
  }

  /**
   * Set-if-absent. An entry past its exact expiry that memcached still holds
   * (it expires on whole seconds) counts as absent and is replaced by CAS.
   */
  add(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<boolean> {
    return this.guard('add', options, async () => {
      this.assertWritable(key, value, ttl);
      return this.generation.run((namespace) =>
        this.addIn(toWireKey(namespace, key), key, value, ttl, options),
      );
    });
  }

  /**
   * Atomic signed increment by compare-and-swap (memcached's own `incr`/`decr`
   * are unsigned, clamp at 0, cannot refresh a TTL atomically and cannot carry
   * the exact expiry). A missing or expired key starts at 0.
   */
  increment(key: string, delta: number, ttl: number, options?: StoreOperationOptions): Promise<number> {
    return this.guard('increment', options, async () => {
      if (!Number.isSafeInteger(delta)) {
        throw new InvalidValueError(`increment delta must be a safe integer, got ${delta}`);
      }
      assertTtl(ttl);
      return this.increments.submit(key, delta, ttl, options?.signal);
    });
  }

  /** Idempotent delete. */
  delete(key: string, options?: StoreOperationOptions): Promise<void> {
    return this.guard('delete', options, async () => {
      await this.generation.run(async (namespace) => {
        await this.protocol.delete(toWireKey(namespace, key).key);
      });
    });
  }

  /** Idempotent batch delete, pipelined. */
  deleteMany(keys: readonly string[], options?: StoreOperationOptions): Promise<void> {
    return this.guard('deleteMany', options, async () => {
      if (keys.length === 0) return;
      await this.generation.run(async (namespace) => {
        await Promise.all(keys.map((key) => this.protocol.delete(toWireKey(namespace, key).key)));
      });
    });
  }

  /**
   * Compare-and-delete: reads the item with its CAS unique, compares, and deletes
   * with that CAS unique, so a value written by anyone in between is never deleted.
   */
  deleteIfEquals(key: string, expected: Uint8Array, options?: StoreOperationOptions): Promise<boolean> {
    return this.guard('deleteIfEquals', options, () =>
      this.generation.run(async (namespace) => {
        const wire = toWireKey(namespace, key);
        for (let attempt = 1; ; attempt++) {
          const item = await this.protocol.get(wire.key);
          const live = item && this.liveEnvelope(key, wire, item, Date.now());
          if (item === undefined || live === undefined || !bytesEqual(live.value, expected)) return false;
          const status = await this.protocol.delete(wire.key, item.cas);
          if (status === STATUS.ok) return true;
          if (status === STATUS.keyNotFound) return false;
          // keyExists: the item changed since we read it; compare again.
          await this.afterLostRace(key, attempt, options);
        }
      }),
    );
  }

  /**
   * Removes every entry of this prefix (and nothing else) by incrementing the
   * prefix's generation; old entries become unreachable and age out.
   */
  flush(options?: StoreOperationOptions): Promise<void> {
    return this.guard('flush', options, () => this.generation.bump());
  }

  /** Closes the client if the store created it; an injected client stays open. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) this.client.close();
  }

  private async guard<T>(
    operation: string,
    options: StoreOperationOptions | undefined,
    body: () => Promise<T>,
  ): Promise<T> {
    if (this.closed) throw new StoreClosedError(DRIVER);
    options?.signal?.throwIfAborted();
    try {
      return await body();
    } catch (error) {
      if (error instanceof CacheError || error === options?.signal?.reason) throw error;
      throw new StoreError(DRIVER, operation, error);
    }
  }

  /**
   * Checks a value before any network call: the advertised cap, and the whole
   * item for keys so long that their stored original key no longer fits the reserve.
   */
  private assertWritable(key: string, value: Uint8Array, ttl: number): void {
    assertTtl(ttl);
    const limit = this.capabilities.maxValueBytes as number;
    if (value.byteLength > limit) throw new ValueTooLargeError(key, value.byteLength, limit);
    const item =
      SERVER_ITEM_HEADER_BYTES + MAX_KEY_BYTES + envelopeOverhead(2 * key.length) + value.byteLength;
    if (item > this.maxItemBytes) throw new ValueTooLargeError(key, item, this.maxItemBytes);
  }

  /** The envelope of a live item owned by `wire`, or `undefined` (expired, or a hash collision). */
  private liveEnvelope(key: string, wire: WireKey, item: Item, now: number): Envelope | undefined {
    if (item.flags !== ENVELOPE_ITEM_FLAGS) {
      throw new CorruptPayloadError(
        `memcached item for key "${key.slice(0, 80)}" was not written by this store (flags 0x${item.flags.toString(16)})`,
      );
    }
    const envelope = decodeEnvelope(item.value);
    if (!ownsEnvelope(wire, envelope.originalKey)) return undefined;
    if (envelope.expiresAt !== undefined && envelope.expiresAt <= now) return undefined;
    return envelope;
  }

  /** One SET/ADD/REPLACE of `value` wrapped in its envelope; resolves the status. */
  private async write(
    command: StoreCommand,
    wire: WireKey,
    key: string,
    value: Uint8Array,
    ttl: number,
    cas?: Buffer,
  ): Promise<number> {
    const now = Date.now();
    const bytes = encodeEnvelope(value, expiresAtFor(ttl, now), wire.original);
    try {
      return await this.protocol.store(
        command,
        wire.key,
        bytes,
        ENVELOPE_ITEM_FLAGS,
        memcachedExptime(ttl, now),
        cas,
      );
    } catch (error) {
      // The server's item size limit (-I) is smaller than `maxItemBytes` says.
      if (error instanceof MemcachedStatusError && error.status === STATUS.valueTooLarge) {
        throw new ValueTooLargeError(key, bytes.byteLength, this.capabilities.maxValueBytes as number);
      }
      throw error;
    }
  }

  private async addIn(
    wire: WireKey,
    key: string,
    value: Uint8Array,
    ttl: number,
    options: StoreOperationOptions | undefined,
  ): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      if ((await this.write('add', wire, key, value, ttl)) === STATUS.ok) return true;
      const existing = await this.protocol.get(wire.key);
      if (existing !== undefined) {
        if (this.liveEnvelope(key, wire, existing, Date.now()) !== undefined) return false;
        // Expired to the millisecond but still held by memcached: replace it, unless
        // someone else wrote it since we read it.
        if ((await this.write('set', wire, key, value, ttl, existing.cas)) === STATUS.ok) return true;
      }
      // Gone or changed meanwhile: start over.
      await this.afterLostRace(key, attempt, options);
    }
  }

  /** One CAS round for a batch of increments of `key` (see {@link IncrementCombiner}). */
  private async applyIncrements(
    namespace: string,
    key: string,
    batch: readonly PendingIncrement[],
  ): Promise<IncrementOutcome[]> {
    const wire = toWireKey(namespace, key);
    for (let attempt = 1; ; attempt++) {
      const item = await this.protocol.get(wire.key);
      const live = item && this.liveEnvelope(key, wire, item, Date.now());
      const base = live === undefined ? 0 : decodeCounter(key, live.value);
      let current = base;
      let ttl: number | undefined;
      const outcomes = batch.map((call): IncrementOutcome => {
        try {
          current = addCounter(key, current, call.delta);
          ttl = call.ttl;
          return { ok: true, value: current };
        } catch (error) {
          return { ok: false, error };
        }
      });
      // Every call failed (the sum would leave the safe integer range): nothing to write.
      if (ttl === undefined) return outcomes;
      const status =
        item === undefined
          ? await this.write('add', wire, key, encodeCounter(current), ttl)
          : await this.write('set', wire, key, encodeCounter(current), ttl, item.cas);
      if (status === STATUS.ok) return outcomes;
      await this.afterLostRace(key, attempt, undefined);
    }
  }

  /**
   * After a lost compare-and-swap race: fails with `ConflictError` past the attempt
   * limit, and otherwise waits a short random time once races repeat, so that
   * contending processes spread out instead of colliding again.
   */
  private async afterLostRace(
    key: string,
    attempt: number,
    options: StoreOperationOptions | undefined,
  ): Promise<void> {
    if (attempt >= this.maxCasAttempts) {
      throw new ConflictError(
        `memcached compare-and-swap on "${key.slice(0, 80)}" lost ${attempt} races in a row`,
      );
    }
    options?.signal?.throwIfAborted();
    if (attempt < 3) return;
    const ms = Math.random() * Math.min(MAX_BACKOFF_MS, 2 ** attempt);
    await new Promise((resolve) => setTimeout(resolve, ms));
  }
}

function assertTtl(ttl: number): void {
  if (!Number.isSafeInteger(ttl) || ttl < 0) {
    throw new InvalidTtlError(`store ttl must be a non-negative integer of ms, got ${ttl}`);
  }
}
