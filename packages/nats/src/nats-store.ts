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
  StoreClosedError,
  type StoreEntry,
  StoreError,
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
import { type EncodedKey, encodeKey, encodePrefixToken } from './key-encoding.js';
import { KeyedSerializer } from './keyed-serializer.js';
import { isWrongLastSequence, suggestsMissingBucket } from './nats-errors.js';
import { type NatsSession, NatsSessionManager } from './nats-session.js';
import { type NatsStoreOptions, type ResolvedNatsStoreOptions, resolveNatsStoreOptions } from './options.js';

/**
 * Room kept free in every message for the envelope, a stored original key (keys
 * up to 4096 UTF-16 code units, the facade's default limit, fit) and the
 * revision-check header, when deriving `capabilities.maxValueBytes`.
 */
const PAYLOAD_RESERVE_BYTES = 16 * 1024;
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
 *
 * See the package README for the key encoding, timeouts and caveats.
 */
export class NatsStore implements Store {
  /** Driver name reported to observers. */
  readonly name = 'nats';
  /** Shared, durable (file storage), millisecond TTLs, value cap derived from `maxPayloadBytes`. */
  readonly capabilities: StoreCapabilities;

  readonly #options: ResolvedNatsStoreOptions;
  readonly #sessions: NatsSessionManager;
  readonly #prefixToken: string;
  readonly #serializer = new KeyedSerializer();
  readonly #background = new Set<Promise<void>>();
  #closed = false;

  /**
   * @param options - connection or servers, bucket, prefix, timeouts; see {@link NatsStoreOptions}
   * @throws `ConfigError` for an invalid bucket name or conflicting options
   */
  constructor(options: NatsStoreOptions = {}) {
    this.#options = resolveNatsStoreOptions(options);
    this.#sessions = new NatsSessionManager(this.#options);
    this.#prefixToken = encodePrefixToken(this.#options.prefix);
    this.capabilities = {
      shared: true,
      durable: true,
      ttlResolutionMs: 1,
      maxValueBytes: Math.max(0, this.#options.maxPayloadBytes - PAYLOAD_RESERVE_BYTES),
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

  async get(key: string, options?: StoreOperationOptions): Promise<Uint8Array | undefined> {
    return this.#run('get', options, async (session) => {
      const found = await this.#read(session, encodeKey(this.#prefixToken, key));
      return found.live?.value;
    });
  }

  async getMany(
    keys: readonly string[],
    options?: StoreOperationOptions,
  ): Promise<(Uint8Array | undefined)[]> {
    if (keys.length === 0) return [];
    // NATS has no multi-get on 2.9; the reads are pipelined on one connection.
    return this.#run('getMany', options, (session) =>
      Promise.all(
        keys.map(async (key) => (await this.#read(session, encodeKey(this.#prefixToken, key))).live?.value),
      ),
    );
  }

  async set(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<void> {
    const encoded = encodeKey(this.#prefixToken, key);
    this.#checkSize(key, value, encoded);
    await this.#run('set', options, async (session) => {
      await session.kv.put(encoded.kvKey, this.#envelope(key, value, ttl, encoded, session));
    });
  }

  async setMany(entries: readonly StoreEntry[], options?: StoreOperationOptions): Promise<void> {
    if (entries.length === 0) return;
    const encoded = entries.map((entry) => {
      const key = encodeKey(this.#prefixToken, entry.key);
      this.#checkSize(entry.key, entry.value, key);
      return key;
    });
    await this.#run('setMany', options, async (session) => {
      await Promise.all(
        entries.map((entry, i) => {
          const target = encoded[i] as EncodedKey;
          return session.kv.put(
            target.kvKey,
            this.#envelope(entry.key, entry.value, entry.ttl, target, session),
          );
        }),
      );
    });
  }

  async add(key: string, value: Uint8Array, ttl: number, options?: StoreOperationOptions): Promise<boolean> {
    const encoded = encodeKey(this.#prefixToken, key);
    this.#checkSize(key, value, encoded);
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
  }

  async increment(key: string, delta: number, ttl: number, options?: StoreOperationOptions): Promise<number> {
    if (!Number.isSafeInteger(delta))
      throw new InvalidValueError(`increment delta must be a safe integer, got ${delta}`);
    const encoded = encodeKey(this.#prefixToken, key);
    return this.#run('increment', options, (session) =>
      this.#serializer.run(encoded.kvKey, async () => {
        for (let attempt = 0; attempt <= this.#options.maxConflictRetries; attempt++) {
          const found = await this.#read(session, encoded, false);
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
  }

  async delete(key: string, options?: StoreOperationOptions): Promise<void> {
    await this.#run('delete', options, (session) =>
      session.kv.delete(encodeKey(this.#prefixToken, key).kvKey),
    );
  }

  async deleteMany(keys: readonly string[], options?: StoreOperationOptions): Promise<void> {
    if (keys.length === 0) return;
    await this.#run('deleteMany', options, async (session) => {
      await Promise.all(keys.map((key) => session.kv.delete(encodeKey(this.#prefixToken, key).kvKey)));
    });
  }

  async deleteIfEquals(key: string, expected: Uint8Array, options?: StoreOperationOptions): Promise<boolean> {
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
  }

  async flush(options?: StoreOperationOptions): Promise<void> {
    await this.#run('flush', options, async (session) => {
      // One server-side purge of this prefix's subjects (values and delete
      // markers alike): no key listing, and other prefixes are untouched.
      await session.jsm.streams.purge(session.stream, {
        filter: `$KV.${this.#options.bucket}.${this.#prefixToken}.>`,
      });
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#background]);
    await this.#sessions.close();
  }

  /** Reads a key with its revision. `purgeExpired` deletes an expired entry in the background. */
  async #read(session: NatsSession, encoded: EncodedKey, purgeExpired = true): Promise<ReadResult> {
    const entry = await session.kv.get(encoded.kvKey);
    if (entry === null) return { revision: 0, live: undefined };
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

  /** Rejects oversized values before anything is sent. */
  #checkSize(key: string, value: Uint8Array, encoded: EncodedKey): void {
    const cap = this.capabilities.maxValueBytes as number;
    if (value.byteLength > cap) throw new ValueTooLargeError(key, value.byteLength, cap);
    this.#checkPayload(key, value, encoded, this.#options.maxPayloadBytes);
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
    if (this.#closed) throw new StoreClosedError(this.name);
    options?.signal?.throwIfAborted();
    try {
      return await body(this.#sessions.current() ?? (await this.#sessions.session()));
    } catch (error) {
      if (error instanceof CacheError) throw error;
      if (suggestsMissingBucket(error)) this.#sessions.invalidateBucket();
      throw new StoreError(this.name, operation, error);
    }
  }
}

/** Short, jittered pause after a lost race so racing writers spread out. */
function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(2 ** attempt, 50);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}
