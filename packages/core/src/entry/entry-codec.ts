import type { Codec } from '../codec.js';
import { COUNTER_PATTERN, fromUtf8, utf8 } from '../bytes.js';
import { DecryptionError, ValueTooLargeError } from '../errors.js';
import { type CompressionSettings, compress, decompress } from '../shaping/compress.js';
import type { Encryptor } from '../shaping/encrypt.js';
import type { VersionStamp } from '../tags/tag-versions.js';
import type { EntryLifetime } from './lifetime.js';
import { type FrameCompression, isFramed, joinFrame, readFrame, writeFrameHeader } from './frame.js';

/** A decoded entry: the value and its read-through metadata (all `undefined` for plain entries). */
export interface DecodedEntry {
  /** The decoded value (bytes for raw entries). */
  readonly value: unknown;
  /** Soft expiry ("fresh until") in ms since epoch, or `undefined` for plain entries. */
  readonly softExpiresAt: number | undefined;
  /** End of the grace period in ms since epoch, when the entry has one. */
  readonly graceUntil?: number | undefined;
  /** When the entry was written, ms since epoch, when recorded. */
  readonly writtenAt?: number | undefined;
  /** When the store drops the entry, ms since epoch, when recorded (caches with an L1 record it). */
  readonly expiresAt?: number | undefined;
  /** The tag and namespace versions the entry was written under, when it has any. */
  readonly versions?: readonly VersionStamp[] | undefined;
  /** `'l1'` when the hybrid tier's L1 answered (for stats and traces); otherwise the store did. */
  readonly tier?: 'l1' | undefined;
}

/** How the facade shapes values into stored bytes. */
export interface EntryCodecOptions {
  readonly codec: Codec;
  readonly compression: CompressionSettings | undefined;
  readonly encryptor: Encryptor | undefined;
  /** Largest stored entry; checked after shaping, before any store call. */
  readonly maxValueBytes: number | undefined;
  /** Largest size a compressed entry may inflate to on read. */
  readonly maxDecompressedBytes: number;
  /**
   * Record when the store will drop each entry (a cache with an L1 needs it, so a
   * node filling its L1 from the store never keeps a value past its TTL).
   */
  readonly stampExpiry?: boolean;
}

/**
 * Value ⇄ stored bytes: codec, then compression, then encryption, then framing
 * (see `frame.ts` for the layout). Decoding accepts any entry this library writes,
 * whatever the current shaping configuration: plain values written before
 * compression or encryption was enabled still read.
 */
export class EntryCodec {
  readonly #options: EntryCodecOptions;

  constructor(options: EntryCodecOptions) {
    this.#options = options;
  }

  /**
   * Encodes a value (or, with `raw`, a payload of bytes) for `key`. Synchronous
   * unless compression is configured (which may run on the thread pool), so the
   * common write path pays no extra `await`.
   *
   * @throws {@link ValueTooLargeError} when the shaped entry exceeds `maxValueBytes`.
   */
  encode(
    key: string,
    value: unknown,
    raw: boolean,
    lifetime?: EntryLifetime,
  ): Uint8Array | Promise<Uint8Array> {
    const { codec, compression } = this.#options;
    const payload = raw ? (value as Uint8Array) : codec.encode(value);
    if (compression === undefined) return this.#frame(key, payload, payload, 'none', lifetime);
    return compress(payload, compression).then((compressed) =>
      compressed === undefined
        ? this.#frame(key, payload, payload, 'none', lifetime)
        : this.#frame(key, payload, compressed, compression.algorithm, lifetime),
    );
  }

  #frame(
    key: string,
    payload: Uint8Array,
    body: Uint8Array,
    algorithm: FrameCompression,
    lifetime: EntryLifetime | undefined,
  ): Uint8Array {
    const { encryptor, maxValueBytes } = this.#options;
    const softExpiresAt = lifetime?.freshUntil;
    const versions = lifetime?.versions;
    const expiresAt =
      this.#options.stampExpiry === true && lifetime !== undefined && lifetime.storeTtl > 0
        ? Date.now() + lifetime.storeTtl
        : undefined;
    let entry: Uint8Array;
    if (
      algorithm === 'none' &&
      encryptor === undefined &&
      softExpiresAt === undefined &&
      expiresAt === undefined &&
      versions === undefined &&
      !isFramed(payload)
    ) {
      // Plain entry: exactly the codec's bytes, readable with the backend's own tools.
      entry = payload;
    } else {
      const fields = {
        softExpiresAt,
        graceUntil: lifetime?.graceUntil,
        writtenAt: lifetime?.writtenAt,
        expiresAt,
        versions,
        compression: algorithm,
      };
      if (encryptor === undefined) {
        entry = joinFrame(writeFrameHeader(fields), body);
      } else {
        const encryption = encryptor.nextFields();
        const header = writeFrameHeader({ ...fields, encryption });
        const aad = joinFrame(header, utf8(key));
        entry = joinFrame(header, encryptor.encrypt(body, encryption.iv, aad));
      }
    }
    if (maxValueBytes !== undefined && entry.byteLength > maxValueBytes) {
      throw new ValueTooLargeError(key, entry.byteLength, maxValueBytes);
    }
    return entry;
  }

  /**
   * Decodes stored bytes read for `key`. Synchronous unless a large compressed body
   * has to be inflated on the thread pool, so batch reads don't pay an `await` per value.
   *
   * @throws {@link CorruptPayloadError} for truncated or foreign bytes.
   * @throws {@link DecryptionError} for entries that fail authentication or need a key that is not configured.
   */
  decode(key: string, bytes: Uint8Array, raw: boolean): DecodedEntry | Promise<DecodedEntry> {
    const { codec, encryptor } = this.#options;
    if (!isFramed(bytes)) {
      if (encryptor?.requireEncryption === true && !isCounter(bytes)) throw unencrypted();
      return { value: raw ? bytes : codec.decode(bytes), softExpiresAt: undefined };
    }
    const frame = readFrame(bytes);
    let body = frame.body;
    if (!frame.encrypted && encryptor?.requireEncryption === true) throw unencrypted();
    if (frame.encrypted) {
      const encryptor = this.#options.encryptor;
      if (encryptor === undefined)
        throw new DecryptionError('entry is encrypted but no encryption key is configured');
      const aad = joinFrame(frame.header, utf8(key));
      body = encryptor.decrypt(body, frame.fingerprint as Uint8Array, frame.iv as Uint8Array, aad);
    }
    const finish = (payload: Uint8Array): DecodedEntry => ({
      value: raw ? payload : codec.decode(payload),
      softExpiresAt: frame.softExpiresAt,
      graceUntil: frame.graceUntil,
      writtenAt: frame.writtenAt,
      expiresAt: frame.expiresAt,
      versions: frame.versions,
    });
    const payload = decompress(body, frame.compression, this.#options.maxDecompressedBytes);
    return payload instanceof Promise ? payload.then(finish) : finish(payload);
  }
}

function unencrypted(): DecryptionError {
  return new DecryptionError(
    'entry is not encrypted but encryption is required (set encryption.requireEncryption: false while migrating unencrypted data)',
  );
}

/** Whether `bytes` are a counter as `increment` stores them (ASCII decimal, at most 17 bytes). */
function isCounter(bytes: Uint8Array): boolean {
  if (bytes.byteLength === 0 || bytes.byteLength > 17) return false;
  try {
    return COUNTER_PATTERN.test(fromUtf8(bytes));
  } catch {
    return false;
  }
}
