import { utf8 } from '../bytes.js';
import type { Codec } from '../codec.js';
import { DecryptionError, ValueTooLargeError } from '../errors.js';
import { type CompressionSettings, compress, decompress } from '../shaping/compress.js';
import type { Encryptor } from '../shaping/encrypt.js';
import { type FrameCompression, isFramed, joinFrame, readFrame, writeFrameHeader } from './frame.js';

/** A decoded entry: the value and, for helper entries, its soft expiry. */
export interface DecodedEntry {
  /** The decoded value (bytes for raw entries). */
  readonly value: unknown;
  /** Soft expiry in ms since epoch, or `undefined` for plain entries. */
  readonly softExpiresAt: number | undefined;
}

/** How the facade shapes values into stored bytes. */
export interface EntryCodecOptions {
  readonly codec: Codec;
  readonly compression: CompressionSettings | undefined;
  readonly encryptor: Encryptor | undefined;
  /** Largest stored entry; checked after shaping, before any store call. */
  readonly maxValueBytes: number | undefined;
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
   * Encodes a value (or, with `raw`, a payload of bytes) for `key`.
   *
   * @throws {@link ValueTooLargeError} when the shaped entry exceeds `maxValueBytes`.
   */
  async encode(key: string, value: unknown, raw: boolean, softExpiresAt?: number): Promise<Uint8Array> {
    const { codec, compression, encryptor, maxValueBytes } = this.#options;
    const payload = raw ? (value as Uint8Array) : codec.encode(value);
    let body = payload;
    let algorithm: FrameCompression = 'none';
    if (compression !== undefined) {
      const compressed = await compress(payload, compression);
      if (compressed !== undefined) {
        body = compressed;
        algorithm = compression.algorithm;
      }
    }
    let entry: Uint8Array;
    if (
      algorithm === 'none' &&
      encryptor === undefined &&
      softExpiresAt === undefined &&
      !isFramed(payload)
    ) {
      // Plain entry: exactly the codec's bytes, readable with the backend's own tools.
      entry = payload;
    } else if (encryptor === undefined) {
      entry = joinFrame(writeFrameHeader({ softExpiresAt, compression: algorithm }), body);
    } else {
      const encryption = encryptor.nextFields();
      const header = writeFrameHeader({ softExpiresAt, compression: algorithm, encryption });
      const aad = joinFrame(header, utf8(key));
      entry = joinFrame(header, encryptor.encrypt(body, encryption.iv, aad));
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
    const { codec } = this.#options;
    if (!isFramed(bytes)) return { value: raw ? bytes : codec.decode(bytes), softExpiresAt: undefined };
    const frame = readFrame(bytes);
    let body = frame.body;
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
    });
    const payload = decompress(body, frame.compression);
    return payload instanceof Promise ? payload.then(finish) : finish(payload);
  }
}
