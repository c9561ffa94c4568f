import {
  addCounter,
  bytesEqual,
  CacheError,
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
import {
  decodeEnvelope,
  type Envelope,
  encodeEnvelope,
  envelopeOverhead,
  expiryFor,
  isExpired,
} from './envelope.js';
import type { DirectEntry } from './direct-kv.js';
import { type EncodedKey, encodeKey, encodePrefixToken } from './key-encoding.js';
import { KeyedSerializer } from './keyed-serializer.js';
import { isWrongLastSequence, suggestsMissingBucket } from './nats-errors.js';
import { type NatsSession, NatsSessionManager } from './nats-session.js';
import { type NatsStoreOptions, type ResolvedNatsStoreOptions, resolveNatsStoreOptions } from './options.js';

/** Upper bound of the NATS headers a revision-checked publish adds. */
const HEADER_RESERVE_BYTES = 128;

/** What a revision-aware read found under a key. */
interface ReadResult {
  /** Revision of the key's last message (value or delete marker), `0` when the key has none. */
  readonly revision: number;
  /** The live (present, unexpired, own-key) entry, or `undefined`. */
  readonly live: Envelope | undefined;
}

/**
 * A {@link Store} on a NATS JetStream key-value bucket.
 *
 * - Per-key expiry lives in a small envelope around the value (NATS 2.9 has no
 *   per-message TTL) and is checked on every read; expired entries found by a
 *   read are deleted in the background, revision-checked so a concurrent
 *   rewrite survives.
 * - `add`, `increment` and `deleteIfEquals` are optimistic and atomic: they
 *   write with `Nats-Expected-Last-Subject-Sequence` set to the revision they
 *   read and retry a lost race up to `maxConflictRetries` times, then throw
 *   `ConflictError`.
 * - `flush` is one stream purge filtered on this prefix's subject token.
 * - `close()` refuses new calls at once (`StoreClosedError`), waits for the calls
 *   in flight, then drains a connection it created; an injected one stays open.
 *
 * See the package README for the key encoding, timeouts and caveats.
 */
export class NatsStore implements Store {
  /** Driver name reported to observers. */
  readonly name = 'nats';
  /** Shared, durable (file storage), millisecond TTLs, value cap `maxValueBytes`. */
  readonly capabilities: StoreCapabilities;

  readonly #options: ResolvedNatsStoreOptions;
  readonly #sessions: NatsSessionManager;
  readonly #prefixToken: string;
  readonly #serializer = new KeyedSerializer();
  readonly #background = new Set<Promise<void>>();
  readonly #lifecycle = new StoreLifecycle('nats');
  /** `#failure` of the hot paths, as rejection handlers built once (a call allocates none). */
  readonly #failures = {
    get: (error: unknown): never => {
      throw this.#failure('get', error);
    },
    set: (error: unknown): never => {
      throw this.#failure('set', error);
    },
  };

  /**
   * @param options - prefix (required), connection or servers, bucket, timeout; see {@link NatsStoreOptions}
   * @throws `ConfigError` for a missing or invalid prefix, an invalid bucket name,
   *   conflicting options, or an option name of an earlier version
   */
  constructor(options: NatsStoreOptions) {
    this.#options = resolveNatsStoreOptions(options);
    this.#sessions = new NatsSessionManager(this.#options);
    this.#prefixToken = encodePrefixToken(this.#options.prefix);
    this.capabilities = {
      shared: true,
      durable: true,
      ttlResolutionMs: 1,
      maxValueBytes: this.#options.maxValueBytes,
    };
  }

  /** The bucket this store uses. */
  get bucket(): string {
    return this.#options.bucket;
  }

  /** The prefix this store uses. */
  get prefix(): string {
    return this.#options.prefix;
  }

  /** The KV key a caller's key is stored under (for debugging with the `nats` CLI). */
  kvKeyFor(key: string): string {
    return encodeKey(this.#prefixToken, key).kvKey;
  }

  // Every public call returns the lifecycle's promise as it is (no `async` wrapper,
  // which would settle a few ticks after `close()` has already resolved). Keys are
  // checked and encoded inside it, before anything is sent; a throw there rejects.

  get(key: string, options?: StoreOperationOptions): Promise<Uint8Array | undefined> {
    return this.#lifecycle.run(() => {
      const encoded = encodeKey(this.#prefixToken, key);
      const session = this.#ready(options);
      if (session === undefined) {
        return this.#run('get', options, async (opened) => (await this.#read(opened, encoded)).live?.value);
      }
      // The hot path: one `.then` on the request, no `async` frame.
      return this.#entry(session, encoded.kvKey).then(
        (entry) => this.#live(session, encoded, entry, true).live?.value,
        this.#failures.get,
      );
    });
  }

  getMany(keys: readonly string[], options?: StoreOperationOptions): Promise<(Uint8Array | undefined)[]> {
    return this.#lifecycle.run(() => {
      const encoded = keys.map((key) => encodeKey(this.#prefixToken, key));
      if (encoded.length === 0) return Promise.resolve([]);
      // NATS has no multi-get on 2.9; the reads are pipelined on one connection.
      return this.#run('getMany', options, (session) =>
        Promise.all(encoded.map(async (target) => (await this.#read(session, target)).live?.value)),
      );
    });
  }

  set(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<void> {
    return this.#lifecycle.run(() => {
      const encoded = encodeKey(this.#prefixToken, key);
      this.#checkSize(key, value);
      const session = this.#ready(options);
      if (session === undefined) {
        return this.#run('set', options, async (opened) => {
          await this.#put(opened, encoded.kvKey, this.#envelope(key, value, ttl, encoded, opened));
        });
      }
      return this.#put(session, encoded.kvKey, this.#envelope(key, value, ttl, encoded, session)).then(
        toVoid,
        this.#failures.set,
      );
    });
  }

  setMany(entries: readonly StoreEntry[], options?: StoreOperationOptions): Promise<void> {
    return this.#lifecycle.run(() => {
      const encoded = entries.map((entry) => {
        const key = encodeKey(this.#prefixToken, entry.key);
        this.#checkSize(entry.key, entry.value);
        return key;
      });
      if (encoded.length === 0) return Promise.resolve();
      return this.#run('setMany', options, async (session) => {
        await Promise.all(
          entries.map((entry, i) => {
            const target = encoded[i] as EncodedKey;
            return this.#put(
              session,
              target.kvKey,
              this.#envelope(entry.key, entry.value, entry.ttl, target, session),
            );
          }),
        );
      });
    });
  }

  add(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<boolean> {
    return this.#lifecycle.run(() => {
      const encoded = encodeKey(this.#prefixToken, key);
      this.#checkSize(key, value);
      return this.#run('add', options, async (session) => {
        // Optimistic first attempt: most adds target a key that never existed.
        let expectedRevision = 0;
        for (let attempt = 0; attempt <= this.#options.maxConflictRetries; attempt++) {
          try {
            await session.kv.put(encoded.kvKey, this.#envelope(key, value, ttl, encoded, session), {
              previousSeq: expectedRevision,
            });
            return true;
          } catch (error) {
            if (!isWrongLastSequence(error)) throw error;
          }
          // The key has a message: a live value (we lose), or a delete marker or an
          // expired value (absent: overwrite exactly that revision).
          const found = await this.#read(session, encoded, false);
          if (found.live !== undefined) return false;
          expectedRevision = found.revision;
        }
        throw this.#conflict('add', key);
      });
    });
  }

  increment(key: string, delta: number, ttl: number, options?: StoreOperationOptions): Promise<number> {
    return this.#lifecycle.run(() => {
      if (!Number.isSafeInteger(delta))
        throw new InvalidValueError(`increment delta must be a safe integer, got ${delta}`);
      const encoded = encodeKey(this.#prefixToken, key);
      return this.#run('increment', options, (session) =>
        this.#serializer.run(encoded.kvKey, async () => {
          for (let attempt = 0; attempt <= this.#options.maxConflictRetries; attempt++) {
            const found = await this.#read(session, encoded, false);
            // Core's one rule: only canonical decimals are numeric ("05", "-0" are NotNumericError).
            const current = found.live === undefined ? 0 : decodeCounter(key, found.live.value);
            const next = addCounter(key, current, delta);
            try {
              await session.kv.put(
                encoded.kvKey,
                this.#envelope(key, encodeCounter(next), ttl, encoded, session),
                {
                  previousSeq: found.revision,
                },
              );
              return next;
            } catch (error) {
              if (!isWrongLastSequence(error)) throw error;
            }
            await backoff(attempt);
          }
          throw this.#conflict('increment', key);
        }),
      );
    });
  }

  delete(key: string, options?: StoreOperationOptions): Promise<void> {
    return this.#lifecycle.run(() => {
      const { kvKey } = encodeKey(this.#prefixToken, key);
      return this.#run('delete', options, async (session) => {
        await session.kv.delete(kvKey);
      });
    });
  }

  deleteMany(keys: readonly string[], options?: StoreOperationOptions): Promise<void> {
    return this.#lifecycle.run(() => {
      const kvKeys = keys.map((key) => encodeKey(this.#prefixToken, key).kvKey);
      if (kvKeys.length === 0) return Promise.resolve();
      return this.#run('deleteMany', options, async (session) => {
        await Promise.all(kvKeys.map((kvKey) => session.kv.delete(kvKey)));
      });
    });
  }

  deleteIfEquals(key: string, expected: Uint8Array, options?: StoreOperationOptions): Promise<boolean> {
    return this.#lifecycle.run(() => {
      const encoded = encodeKey(this.#prefixToken, key);
      return this.#run('deleteIfEquals', options, async (session) => {
        for (let attempt = 0; attempt <= this.#options.maxConflictRetries; attempt++) {
          const found = await this.#read(session, encoded);
          if (found.live === undefined || !bytesEqual(found.live.value, expected)) return false;
          try {
            await session.kv.delete(encoded.kvKey, { previousSeq: found.revision });
            return true;
          } catch (error) {
            // Rewritten since we read it: compare again against the new value.
            if (!isWrongLastSequence(error)) throw error;
          }
        }
        throw this.#conflict('deleteIfEquals', key);
      });
    });
  }

  flush(options?: StoreOperationOptions): Promise<void> {
    return this.#lifecycle.run(() =>
      this.#run('flush', options, async (session) => {
        // One server-side purge of this prefix's subjects (values and delete
        // markers alike): no key listing, and other prefixes are untouched.
        await session.jsm.streams.purge(session.stream, {
          filter: `$KV.${this.#options.bucket}.${this.#prefixToken}.>`,
        });
      }),
    );
  }

  /**
   * Refuses new calls at once, waits until every call in flight has settled (and
   * the background deletes of expired entries they started), then drains a
   * connection the store created. An injected connection is left open.
   * Idempotent: every call returns the same promise.
   */
  close(): Promise<void> {
    return this.#lifecycle.close(async () => {
      await Promise.allSettled([...this.#background]);
      await this.#sessions.close();
    });
  }

  /** Reads a key with its revision. `purgeExpired` deletes an expired entry in the background. */
  async #read(session: NatsSession, encoded: EncodedKey, purgeExpired = true): Promise<ReadResult> {
    return this.#live(session, encoded, await this.#entry(session, encoded.kvKey), purgeExpired);
  }

  /** The key's last message: a direct get on the fast path, else nats.js' `kv.get`. */
  #entry(session: NatsSession, kvKey: string): Promise<DirectEntry | null> {
    return session.direct === undefined ? session.kv.get(kvKey) : session.direct.get(kvKey);
  }

  /** A plain (not revision-checked) put: the fast path when the bucket allows it. */
  #put(session: NatsSession, kvKey: string, data: Uint8Array): Promise<number> {
    return session.direct === undefined ? session.kv.put(kvKey, data) : session.direct.put(kvKey, data);
  }

  /** What `entry` means for `encoded`: its revision and the live envelope, if any. */
  #live(
    session: NatsSession,
    encoded: EncodedKey,
    entry: DirectEntry | null,
    purgeExpired: boolean,
  ): ReadResult {
    if (entry === null) return NO_ENTRY;
    if (entry.operation !== 'PUT') return { revision: entry.revision, live: undefined };
    const envelope = decodeEnvelope(entry.value);
    if (
      encoded.hashedFrom !== undefined &&
      (envelope.key === undefined || !bytesEqual(envelope.key, encoded.hashedFrom))
    ) {
      // A different key that hashes alike: absent for us, and not ours to purge.
      return { revision: entry.revision, live: undefined };
    }
    if (isExpired(envelope.expiresAt, Date.now())) {
      if (purgeExpired) this.#purgeExpired(session, encoded.kvKey, entry.revision);
      return { revision: entry.revision, live: undefined };
    }
    return { revision: entry.revision, live: envelope };
  }

  /** Deletes an expired entry unless it was rewritten since (revision check); best effort. */
  #purgeExpired(session: NatsSession, kvKey: string, revision: number): void {
    const task = session.kv.delete(kvKey, { previousSeq: revision }).catch(() => undefined);
    this.#background.add(task);
    void task.then(() => this.#background.delete(task));
  }

  /** The envelope to publish; rejects it (before sending) when the server's announced max_payload is smaller. */
  #envelope(
    key: string,
    value: Uint8Array,
    ttl: number,
    encoded: EncodedKey,
    session: NatsSession,
  ): Uint8Array {
    const serverLimit = session.connection.info?.max_payload;
    if (serverLimit !== undefined) this.#checkPayload(key, value, encoded, serverLimit);
    return encodeEnvelope(value, expiryFor(ttl, Date.now()), encoded.hashedFrom);
  }

  /**
   * Rejects values over `maxValueBytes` before anything is sent (the envelope and
   * a stored long key are then checked against the server's `max_payload` in
   * {@link #envelope}, once connected).
   */
  #checkSize(key: string, value: Uint8Array): void {
    const cap = this.#options.maxValueBytes;
    if (value.byteLength > cap) throw new ValueTooLargeError(key, value.byteLength, cap);
  }

  /** Whether the whole message (envelope, stored key, headers) fits in `payloadLimit`. */
  #checkPayload(key: string, value: Uint8Array, encoded: EncodedKey, payloadLimit: number): void {
    const overhead = envelopeOverhead(encoded.hashedFrom?.byteLength) + HEADER_RESERVE_BYTES;
    if (value.byteLength + overhead > payloadLimit) {
      throw new ValueTooLargeError(key, value.byteLength, Math.max(0, payloadLimit - overhead));
    }
  }

  #conflict(operation: string, key: string): ConflictError {
    return new ConflictError(
      `nats ${operation} of "${key.length > 80 ? `${key.slice(0, 77)}...` : key}" lost ${this.#options.maxConflictRetries + 1} races in a row`,
    );
  }

  /** Opens the session and maps every non-library error to a `StoreError`. */
  async #run<T>(
    operation: string,
    options: StoreOperationOptions | undefined,
    body: (session: NatsSession) => Promise<T>,
  ): Promise<T> {
    options?.signal?.throwIfAborted();
    try {
      return await body(this.#sessions.current() ?? (await this.#sessions.session()));
    } catch (error) {
      throw this.#failure(operation, error);
    }
  }

  /**
   * The open session for a call on the hot path, or `undefined` when the slow path
   * must open (or re-open) it. Checks the caller's signal first, as `#run` does.
   */
  #ready(options: StoreOperationOptions | undefined): NatsSession | undefined {
    options?.signal?.throwIfAborted();
    return this.#sessions.current();
  }

  /** The error a failed call rejects with (see `#run`); forgets the bucket binding when it looks gone. */
  #failure(operation: string, error: unknown): Error {
    if (error instanceof CacheError) return error;
    if (suggestsMissingBucket(error)) this.#sessions.invalidateBucket();
    return new StoreError(this.name, operation, error);
  }
}

/** A key without any message. */
const NO_ENTRY: ReadResult = { revision: 0, live: undefined };

/** A reply that only says the call succeeded. */
function toVoid(): undefined {
  return undefined;
}

/** Short, jittered pause after a lost race so racing writers spread out. */
function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(2 ** attempt, 50);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}
