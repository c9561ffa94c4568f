import {
  addCounter,
  assertStoreKey,
  bytesEqual,
  ConflictError,
  decodeCounter,
  encodeCounter,
  InvalidValueError,
  type Store,
  type StoreCapabilities,
  type StoreEntry,
  StoreLifecycle,
  type StoreOperationOptions,
} from '@cache/core';
import type { Client } from 'memjs';
import { BinaryProtocol, STATUS, type StoreCommand } from './binary-protocol.js';
import { ENVELOPE_ITEM_FLAGS, encodeEnvelope } from './envelope.js';
import { expiresAtFor, memcachedExptime } from './expiry.js';
import { type IncrementOutcome, IncrementCombiner, type PendingIncrement } from './increment-combiner.js';
import { assertTtl, assertWritable, liveEnvelope } from './items.js';
import { copyOf, failureOf, type MappedOperation, toVoid, unchanged } from './results.js';
import { toWireKey, type WireKey } from './key-mapping.js';
import { assertSupportedClient, createOwnedClient } from './memjs-client.js';
import { NamespaceGeneration } from './namespace-generation.js';
import { type MemcachedStoreOptions, resolveOptions } from './options.js';

const DRIVER = 'memcached';

/** Longest pause between two lost compare-and-swap races, in ms. */
const MAX_BACKOFF_MS = 20;

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
   * exact expiry travels in the value), values up to `maxValueBytes`.
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
  private readonly maxValueBytes: number;
  private readonly maxItemBytes: number;
  private readonly maxCasAttempts: number;
  private readonly lifecycle = new StoreLifecycle(DRIVER);
  /** Failure mappers of the hot paths, built once so that a call allocates none. */
  private readonly errors: Readonly<Record<MappedOperation, (error: unknown) => unknown>> = {
    get: (error) => this.failure('get', error, undefined, undefined),
    delete: (error) => this.failure('delete', error, undefined, undefined),
  };

  /**
   * @param options - see {@link MemcachedStoreOptions}; `prefix` is required
   * @throws `ConfigError` for invalid or renamed options, and for a memjs whose
   *   internals this store does not support
   */
  constructor(options: MemcachedStoreOptions) {
    const resolved = resolveOptions(options);
    this.prefix = resolved.prefix;
    this.maxValueBytes = resolved.maxValueBytes;
    this.maxItemBytes = resolved.maxItemBytes;
    this.maxCasAttempts = resolved.maxCasAttempts;
    this.capabilities = Object.freeze({
      shared: true,
      durable: false,
      ttlResolutionMs: 1,
      maxValueBytes: resolved.maxValueBytes,
    });
    this.ownsClient = resolved.client === undefined;
    this.client = resolved.client ?? createOwnedClient(resolved);
    try {
      assertSupportedClient(this.client);
    } catch (error) {
      if (this.ownsClient) this.client.close();
      throw error;
    }
    this.protocol = new BinaryProtocol(this.client, resolved.timeoutMs);
    this.generation = new NamespaceGeneration(this.protocol, this.prefix, this.maxCasAttempts);
    this.increments = new IncrementCombiner((key, batch) =>
      this.generation.run((namespace) => this.applyIncrements(namespace, key, batch), unchanged),
    );
  }

  /** The value, or `undefined` when absent or expired (to the millisecond). */
  get(key: string, options?: StoreOperationOptions): Promise<Uint8Array | undefined> {
    // The hot path: no `async` frame; the item is checked inside the response callback.
    return this.lifecycle.run(() => {
      options?.signal?.throwIfAborted();
      assertStoreKey(key);
      return this.generation.run((namespace) => {
        const wire = toWireKey(namespace, key);
        return this.protocol.read(wire.key, (item) => {
          const live = item && liveEnvelope(key, wire, item, Date.now());
          return live && copyOf(live.value);
        });
      }, this.errors.get);
    });
  }

  /** Values in the order of `keys`: one pipelined round trip per server. */
  getMany(keys: readonly string[], options?: StoreOperationOptions): Promise<(Uint8Array | undefined)[]> {
    return this.guard('getMany', options, async () => {
      for (const key of keys) assertStoreKey(key);
      if (keys.length === 0) return [];
      return this.generation.run(async (namespace) => {
        const wires = keys.map((key) => toWireKey(namespace, key));
        const found = await this.protocol.getMulti([...new Set(wires.map((wire) => wire.key))]);
        const now = Date.now();
        return wires.map((wire, i) => {
          const item = found.get(wire.key);
          const live = item && liveEnvelope(keys[i] as string, wire, item, now);
          return live && copyOf(live.value);
        });
      }, unchanged);
    });
  }

  /** Upsert. */
  set(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<void> {
    return this.lifecycle.run(() => {
      options?.signal?.throwIfAborted();
      assertWritable(key, value, ttl, this.maxValueBytes, this.maxItemBytes);
      return this.generation.run(
        (namespace) => this.write('set', toWireKey(namespace, key), value, ttl, undefined, toVoid),
        (error) => this.failure('set', error, key, undefined),
      );
    });
  }

  /** Batch upsert: every write pipelined at once. */
  setMany(entries: readonly StoreEntry[], options?: StoreOperationOptions): Promise<void> {
    return this.guard('setMany', options, async () => {
      for (const entry of entries)
        assertWritable(entry.key, entry.value, entry.ttl, this.maxValueBytes, this.maxItemBytes);
      if (entries.length === 0) return;
      await this.generation.run(async (namespace) => {
        await Promise.all(
          entries.map((e) =>
            this.write('set', toWireKey(namespace, e.key), e.value, e.ttl).catch((error: unknown) => {
              throw this.failure('setMany', error, e.key, options?.signal);
            }),
          ),
        );
      }, unchanged);
    });
  }

  /**
   * Set-if-absent. An entry past its exact expiry that memcached still holds
   * (it expires on whole seconds) counts as absent and is replaced by CAS.
   */
  add(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<boolean> {
    return this.guard(
      'add',
      options,
      async () => {
        assertWritable(key, value, ttl, this.maxValueBytes, this.maxItemBytes);
        return this.generation.run(
          (namespace) => this.addIn(toWireKey(namespace, key), key, value, ttl, options),
          unchanged,
        );
      },
      key,
    );
  }

  /**
   * Atomic signed increment by compare-and-swap (memcached's own `incr`/`decr`
   * are unsigned, clamp at 0, cannot refresh a TTL atomically and cannot carry
   * the exact expiry). A missing or expired key starts at 0.
   */
  increment(key: string, delta: number, ttl: number, options?: StoreOperationOptions): Promise<number> {
    return this.guard(
      'increment',
      options,
      async () => {
        assertStoreKey(key);
        if (!Number.isSafeInteger(delta)) {
          throw new InvalidValueError(`increment delta must be a safe integer, got ${delta}`);
        }
        assertTtl(ttl);
        return this.increments.submit(key, delta, ttl, options?.signal);
      },
      key,
    );
  }

  /** Idempotent delete. */
  delete(key: string, options?: StoreOperationOptions): Promise<void> {
    return this.lifecycle.run(() => {
      options?.signal?.throwIfAborted();
      assertStoreKey(key);
      return this.generation.run(
        (namespace) => this.protocol.delete(toWireKey(namespace, key).key, undefined, toVoid),
        this.errors.delete,
      );
    });
  }

  /** Idempotent batch delete, pipelined. */
  deleteMany(keys: readonly string[], options?: StoreOperationOptions): Promise<void> {
    return this.guard('deleteMany', options, async () => {
      for (const key of keys) assertStoreKey(key);
      if (keys.length === 0) return;
      await this.generation.run(async (namespace) => {
        await Promise.all(keys.map((key) => this.protocol.delete(toWireKey(namespace, key).key)));
      }, unchanged);
    });
  }

  /**
   * Compare-and-delete: reads the item with its CAS unique, compares, and deletes
   * with that CAS unique, so a value written by anyone in between is never deleted.
   */
  deleteIfEquals(key: string, expected: Uint8Array, options?: StoreOperationOptions): Promise<boolean> {
    return this.guard('deleteIfEquals', options, () => {
      assertStoreKey(key);
      return this.generation.run(async (namespace) => {
        const wire = toWireKey(namespace, key);
        for (let attempt = 1; ; attempt++) {
          const item = await this.protocol.get(wire.key);
          const live = item && liveEnvelope(key, wire, item, Date.now());
          if (item === undefined || live === undefined || !bytesEqual(live.value, expected)) return false;
          const status = await this.protocol.delete(wire.key, item.cas);
          if (status === STATUS.ok) return true;
          if (status === STATUS.keyNotFound) return false;
          // keyExists: the item changed since we read it; compare again.
          await this.afterLostRace(key, attempt, options);
        }
      }, unchanged);
    });
  }

  /**
   * Removes every entry of this prefix (and nothing else) by incrementing the
   * prefix's generation; old entries become unreachable and age out.
   */
  flush(options?: StoreOperationOptions): Promise<void> {
    return this.guard('flush', options, () => this.generation.bump());
  }

  /**
   * Refuses new calls at once (`StoreClosedError`), resolves once every call in
   * flight has settled, then closes the client if the store created it; an
   * injected client stays open. Idempotent.
   */
  close(): Promise<void> {
    return this.lifecycle.close(() => {
      if (this.ownsClient) this.client.close();
    });
  }

  /**
   * Runs one call: `StoreClosedError` after `close()`, counted in flight until it
   * settles, backend failures wrapped in `StoreError`.
   */
  private guard<T>(
    operation: string,
    options: StoreOperationOptions | undefined,
    body: () => Promise<T>,
    key?: string,
  ): Promise<T> {
    return this.lifecycle.run(() => this.attempt(operation, options, body, key));
  }

  private async attempt<T>(
    operation: string,
    options: StoreOperationOptions | undefined,
    body: () => Promise<T>,
    key: string | undefined,
  ): Promise<T> {
    options?.signal?.throwIfAborted();
    try {
      return await body();
    } catch (error) {
      throw this.failure(operation, error, key, options?.signal);
    }
  }

  /** What a failed call rejects with (see {@link failureOf}). */
  private failure(
    operation: string,
    error: unknown,
    key: string | undefined,
    signal: AbortSignal | undefined,
  ): unknown {
    return failureOf(operation, error, key, signal, this.maxValueBytes);
  }

  /**
   * One SET/ADD/REPLACE of `value` wrapped in its envelope; resolves `map(status)`
   * (the status by default).
   */
  private write<R = number>(
    command: StoreCommand,
    wire: WireKey,
    value: Uint8Array,
    ttl: number,
    cas?: Buffer,
    map?: (status: number) => R,
  ): Promise<R> {
    const now = Date.now();
    const bytes = encodeEnvelope(value, expiresAtFor(ttl, now), wire.original);
    return this.protocol.store(
      command,
      wire.key,
      bytes,
      ENVELOPE_ITEM_FLAGS,
      memcachedExptime(ttl, now),
      cas,
      map,
    );
  }

  private async addIn(
    wire: WireKey,
    key: string,
    value: Uint8Array,
    ttl: number,
    options: StoreOperationOptions | undefined,
  ): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      if ((await this.write('add', wire, value, ttl)) === STATUS.ok) return true;
      const existing = await this.protocol.get(wire.key);
      if (existing !== undefined) {
        if (liveEnvelope(key, wire, existing, Date.now()) !== undefined) return false;
        // Expired to the millisecond but still held by memcached: replace it, unless
        // someone else wrote it since we read it.
        if ((await this.write('set', wire, value, ttl, existing.cas)) === STATUS.ok) return true;
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
      const live = item && liveEnvelope(key, wire, item, Date.now());
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
          ? await this.write('add', wire, encodeCounter(current), ttl)
          : await this.write('set', wire, encodeCounter(current), ttl, item.cas);
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
