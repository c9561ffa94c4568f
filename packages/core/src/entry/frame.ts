import { CorruptPayloadError } from '../errors.js';
import type { VersionStamp } from '../tags/tag-versions.js';

/**
 * Binary framing of a stored entry.
 *
 * An entry whose first byte is not `0x00` is a plain codec payload (JSON by
 * default), exactly what a non-shaping cache writes, so values stay readable in
 * `redis-cli` and values written before shaping was turned on still read.
 *
 * A framed entry:
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 1 | `0x00` marker |
 * | 1 | 1 | `0xCA` magic |
 * | 2 | 1 | format version (`1`) |
 * | 3 | 1 | flags: bit 0 soft expiry present; bits 1–2 compression (0 none, 1 gzip, 2 brotli); bit 3 encrypted; bit 4 fields present |
 * | 4 | 8 | soft expiry ("fresh until"), float64 big-endian ms since epoch (only with bit 0) |
 * | … | 2 + n | fields (only with bit 4): u16 big-endian length n, then n bytes of `type u8, length u8, value` records |
 * | … | 4 | encryption key fingerprint (only with bit 3) |
 * | … | 12 | AES-GCM IV (only with bit 3) |
 * | … | rest | body: the (compressed) payload, or its ciphertext followed by the 16-byte GCM tag |
 *
 * The soft expiry is helper metadata kept inside the entry so that
 * `rememberStale` and `refreshAhead` need one round trip, not a side key: the
 * entry is *fresh* until the soft expiry, and lives on physically (for the stale
 * window) until the store's TTL removes it. A plain `get` treats an entry past its
 * soft expiry as a miss. With encryption, the whole header is authenticated.
 *
 * Fields are the envelope's room to grow: each record is typed, and a reader skips
 * the types it does not know, so a later version can add fields (the
 * writer's node id, say) without breaking readers of this one. Known types: 1 grace
 * until, 2 written at, 3 expires at (the store TTL's end, written by caches with an L1):
 * float64 ms since epoch each; 4 a tag or namespace version the entry was written
 * under (one record per version: float64 version, then the version name in UTF-8,
 * at most 247 bytes). Readers from before type 4 ignore versions: roll out readers first.
 */

/** First byte of every framed entry. */
export const FRAME_MARKER = 0x00;
const MAGIC = 0xca;
const VERSION = 1;

const FLAG_SOFT_EXPIRY = 0b0001;
const COMPRESSION_MASK = 0b0110;
const FLAG_ENCRYPTED = 0b1000;
const FLAG_FIELDS = 0b1_0000;
const KNOWN_FLAGS = FLAG_SOFT_EXPIRY | COMPRESSION_MASK | FLAG_ENCRYPTED | FLAG_FIELDS;

const FIELD_GRACE_UNTIL = 1;
const FIELD_WRITTEN_AT = 2;
const FIELD_EXPIRES_AT = 3;
const FIELD_VERSION = 4;
const MAX_VERSION_NAME_BYTES = 255 - 8;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Compression algorithm recorded in a frame. */
export type FrameCompression = 'none' | 'gzip' | 'brotli';

const COMPRESSION_CODES: Record<FrameCompression, number> = { none: 0, gzip: 1, brotli: 2 };
const COMPRESSION_NAMES: readonly FrameCompression[] = ['none', 'gzip', 'brotli'];

/** Size of the encryption fields (fingerprint + IV). */
export const FINGERPRINT_BYTES = 4;
/** AES-GCM IV length. */
export const IV_BYTES = 12;

/** Parsed header of a framed entry. */
export interface FrameHeader {
  /** Soft expiry (ms since epoch) or `undefined`. */
  readonly softExpiresAt: number | undefined;
  /** End of the grace period (ms since epoch) or `undefined`. */
  readonly graceUntil: number | undefined;
  /** When the entry was written (ms since epoch) or `undefined`. */
  readonly writtenAt: number | undefined;
  /** When the store drops the entry (ms since epoch), when recorded. */
  readonly expiresAt: number | undefined;
  /** The tag and namespace versions the entry was written under, when it has any. */
  readonly versions: readonly VersionStamp[] | undefined;
  /** Compression of the body. */
  readonly compression: FrameCompression;
  /** Whether the body is encrypted. */
  readonly encrypted: boolean;
  /** Key fingerprint (encrypted frames only). */
  readonly fingerprint: Uint8Array | undefined;
  /** IV (encrypted frames only). */
  readonly iv: Uint8Array | undefined;
  /** Header bytes (authenticated as associated data when encrypted). */
  readonly header: Uint8Array;
  /** The body. */
  readonly body: Uint8Array;
}

/** Whether `bytes` is a framed entry (as opposed to a plain codec payload). */
export function isFramed(bytes: Uint8Array): boolean {
  return bytes.byteLength > 0 && bytes[0] === FRAME_MARKER;
}

/** What to put in a frame header. */
export interface FrameFields {
  /** Soft expiry, ms since epoch. */
  readonly softExpiresAt?: number | undefined;
  /** End of the grace period, ms since epoch. */
  readonly graceUntil?: number | undefined;
  /** When the entry was written, ms since epoch. */
  readonly writtenAt?: number | undefined;
  /** When the store drops the entry, ms since epoch. */
  readonly expiresAt?: number | undefined;
  /** Tag and namespace versions to record. */
  readonly versions?: readonly VersionStamp[] | undefined;
  /** Compression of the body. */
  readonly compression?: FrameCompression | undefined;
  /** Encryption fingerprint and IV, both present or both absent. */
  readonly encryption?: { readonly fingerprint: Uint8Array; readonly iv: Uint8Array } | undefined;
}

/** Builds the header bytes for `fields`. */
export function writeFrameHeader(fields: FrameFields): Uint8Array {
  const hasSoft = fields.softExpiresAt !== undefined;
  const compression = COMPRESSION_CODES[fields.compression ?? 'none'];
  const enc = fields.encryption;
  const timeFields = [
    [FIELD_GRACE_UNTIL, fields.graceUntil],
    [FIELD_WRITTEN_AT, fields.writtenAt],
    [FIELD_EXPIRES_AT, fields.expiresAt],
  ] as const;
  const names = fields.versions?.map((stamp) => {
    const name = encoder.encode(stamp.name);
    if (name.byteLength > MAX_VERSION_NAME_BYTES) throw new RangeError('version name is too long to record');
    return name;
  });
  let records = timeFields.reduce((n, [, value]) => n + (value === undefined ? 0 : 10), 0);
  if (names !== undefined) for (const name of names) records += 10 + name.byteLength;
  if (records > 0xffff) throw new RangeError('entry fields exceed 65,535 bytes');
  const fieldBytes = records > 0 ? 2 + records : 0;
  const size = 4 + (hasSoft ? 8 : 0) + fieldBytes + (enc ? FINGERPRINT_BYTES + IV_BYTES : 0);
  const header = new Uint8Array(size);
  const view = new DataView(header.buffer);
  header[0] = FRAME_MARKER;
  header[1] = MAGIC;
  header[2] = VERSION;
  header[3] =
    (hasSoft ? FLAG_SOFT_EXPIRY : 0) |
    (compression << 1) |
    (enc ? FLAG_ENCRYPTED : 0) |
    (records > 0 ? FLAG_FIELDS : 0);
  let offset = 4;
  if (hasSoft) {
    view.setFloat64(offset, fields.softExpiresAt as number, false);
    offset += 8;
  }
  if (records > 0) {
    view.setUint16(offset, records, false);
    offset += 2;
    for (const [type, value] of timeFields) {
      if (value === undefined) continue;
      header[offset] = type;
      header[offset + 1] = 8;
      view.setFloat64(offset + 2, value, false);
      offset += 10;
    }
    fields.versions?.forEach((stamp, i) => {
      const name = (names as Uint8Array[])[i] as Uint8Array;
      header[offset] = FIELD_VERSION;
      header[offset + 1] = 8 + name.byteLength;
      view.setFloat64(offset + 2, stamp.version, false);
      header.set(name, offset + 10);
      offset += 10 + name.byteLength;
    });
  }
  if (enc) {
    header.set(enc.fingerprint, offset);
    header.set(enc.iv, offset + FINGERPRINT_BYTES);
  }
  return header;
}

/** Concatenates a header and a body into one entry. */
export function joinFrame(header: Uint8Array, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(header.byteLength + body.byteLength);
  out.set(header, 0);
  out.set(body, header.byteLength);
  return out;
}

/**
 * Parses a framed entry.
 *
 * @throws {@link CorruptPayloadError} for a truncated frame, a wrong magic, an
 *   unknown version or unknown flags.
 */
export function readFrame(bytes: Uint8Array): FrameHeader {
  if (bytes.byteLength < 4 || bytes[1] !== MAGIC) throw new CorruptPayloadError('entry is not a cache frame');
  if (bytes[2] !== VERSION) throw new CorruptPayloadError(`unsupported cache frame version ${bytes[2]}`);
  const flags = bytes[3] as number;
  if ((flags & ~KNOWN_FLAGS) !== 0)
    throw new CorruptPayloadError(`unknown cache frame flags 0x${flags.toString(16)}`);
  const compressionCode = (flags & COMPRESSION_MASK) >> 1;
  const compression = COMPRESSION_NAMES[compressionCode];
  if (compression === undefined) throw new CorruptPayloadError(`unknown compression code ${compressionCode}`);
  const hasSoft = (flags & FLAG_SOFT_EXPIRY) !== 0;
  const encrypted = (flags & FLAG_ENCRYPTED) !== 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 4;
  let softExpiresAt: number | undefined;
  if (hasSoft) {
    if (bytes.byteLength < offset + 8) throw new CorruptPayloadError('cache frame is truncated');
    softExpiresAt = view.getFloat64(offset, false);
    if (!Number.isFinite(softExpiresAt))
      throw new CorruptPayloadError('cache frame has an invalid soft expiry');
    offset += 8;
  }
  let graceUntil: number | undefined;
  let writtenAt: number | undefined;
  let expiresAt: number | undefined;
  let versions: VersionStamp[] | undefined;
  if ((flags & FLAG_FIELDS) !== 0) {
    if (bytes.byteLength < offset + 2) throw new CorruptPayloadError('cache frame is truncated');
    const end = offset + 2 + view.getUint16(offset, false);
    if (bytes.byteLength < end) throw new CorruptPayloadError('cache frame is truncated');
    offset += 2;
    while (offset < end) {
      if (offset + 2 > end) throw new CorruptPayloadError('cache frame has a truncated field');
      const type = bytes[offset] as number;
      const length = bytes[offset + 1] as number;
      if (offset + 2 + length > end) throw new CorruptPayloadError('cache frame has a truncated field');
      if (type >= FIELD_GRACE_UNTIL && type <= FIELD_EXPIRES_AT && length === 8) {
        const value = view.getFloat64(offset + 2, false);
        if (!Number.isFinite(value)) throw new CorruptPayloadError('cache frame has an invalid time field');
        if (type === FIELD_GRACE_UNTIL) graceUntil = value;
        else if (type === FIELD_WRITTEN_AT) writtenAt = value;
        else expiresAt = value;
      } else if (type === FIELD_VERSION && length > 8) {
        const version = view.getFloat64(offset + 2, false);
        if (!Number.isSafeInteger(version))
          throw new CorruptPayloadError('cache frame has an invalid version');
        let name: string;
        try {
          name = decoder.decode(bytes.subarray(offset + 10, offset + 2 + length));
        } catch (error) {
          throw new CorruptPayloadError('cache frame has an invalid version name', { cause: error });
        }
        if (versions === undefined) versions = [];
        versions.push({ name, version });
      }
      // Unknown field types are skipped: later versions may add fields.
      offset += 2 + length;
    }
  }
  const headerSize = offset + (encrypted ? FINGERPRINT_BYTES + IV_BYTES : 0);
  if (bytes.byteLength < headerSize) throw new CorruptPayloadError('cache frame is truncated');
  let fingerprint: Uint8Array | undefined;
  let iv: Uint8Array | undefined;
  if (encrypted) {
    fingerprint = bytes.subarray(offset, offset + FINGERPRINT_BYTES);
    iv = bytes.subarray(offset + FINGERPRINT_BYTES, offset + FINGERPRINT_BYTES + IV_BYTES);
  }
  return {
    softExpiresAt,
    graceUntil,
    writtenAt,
    expiresAt,
    versions,
    compression,
    encrypted,
    fingerprint,
    iv,
    header: bytes.subarray(0, headerSize),
    body: bytes.subarray(headerSize),
  };
}
